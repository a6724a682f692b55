import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { api, collectMessages, connect, eventually, login, send, sleep } from "../support/chat-client.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";

const run = promisify(execFile);
let nodes: RedisServerHandle[] = [];
let servers: RunningChatServer[] = [];

/** Three masters, no replicas: the smallest real Redis Cluster. */
beforeAll(async () => {
  nodes = await Promise.all(
    [0, 1, 2].map(() =>
      startRedis({ extraArgs: ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"] }),
    ),
  );
  await run("redis-cli", ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "0", "--cluster-yes"]);
  await eventually(async () => {
    for (const node of nodes) {
      const { stdout } = await run("redis-cli", ["-p", String(node.port), "cluster", "info"]);
      if (!stdout.includes("cluster_state:ok")) return false;
    }
    return true;
  }, 20_000, "cluster_state:ok");
  const clusterNodes = nodes.map((n) => `127.0.0.1:${n.port}`);
  servers = await Promise.all(
    [0, 1].map(() => startChatServer({ redisUrl: nodes[0]!.url, redisClusterNodes: clusterNodes, demoData: true })),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(nodes.map((n) => n.kill()));
});

describe("on Redis Cluster", () => {
  it("two instances sign in, chat in General and privately, and keep history and presence", async () => {
    const [one, two] = servers as [RunningChatServer, RunningChatServer];
    const pablo = await login(one.url, "Pablo");
    const joe = await login(two.url, "Joe");
    const mary = await login(two.url, "Mary");
    const pabloSocket = await connect(one.url, pablo.cookie);
    const joeSocket = await connect(two.url, joe.cookie);
    const marySocket = await connect(two.url, mary.cookie);
    const joeGot = collectMessages(joeSocket);
    const maryGot = collectMessages(marySocket);

    const general = await send(pabloSocket, { roomId: "0", message: "hello cluster", clientId: "g1" });
    expect(general.ok).toBe(true);
    const again = await send(pabloSocket, { roomId: "0", message: "hello cluster", clientId: "g1" });
    expect(again.ok && general.ok && again.message.id === general.message.id).toBe(true);
    await eventually(() => joeGot.length === 1 && maryGot.length === 1, 5000, "General delivery");

    const roomId = `${pablo.user.id}:${joe.user.id}`;
    const direct = await send(pabloSocket, { roomId, message: "just joe" });
    expect(direct.ok).toBe(true);
    await eventually(() => joeGot.length === 2, 5000, "private delivery");
    await sleep(100);
    expect(maryGot).toHaveLength(1);

    const history = await api(two.url, `/room/0/messages?offset=0&size=1`, joe.cookie);
    expect(history.body[0].message).toBe("hello cluster");
    const online = await api(two.url, "/users/online", mary.cookie);
    expect(Object.keys(online.body).map(Number).sort()).toEqual([pablo.user.id, joe.user.id, mary.user.id].sort());
    expect((await api(one.url, "/healthz")).status).toBe(200);
    for (const s of [pabloSocket, joeSocket, marySocket]) s.disconnect();
  });

  it("edits, reacts to, deletes and catches up on messages: each change one script on the room's slot", async () => {
    const [one, two] = servers as [RunningChatServer, RunningChatServer];
    const ann = await login(one.url, "Ann");
    const ben = await login(two.url, "Ben");
    const roomId = `${ann.user.id}:${ben.user.id}`;
    const annSocket = await connect(one.url, ann.cookie);
    const benSocket = await connect(two.url, ben.cookie);
    const heard: string[] = [];
    for (const event of ["message.updated", "reaction.updated", "message.deleted"] as const) benSocket.on(event, () => heard.push(event));
    const start = await api(two.url, `/room/${encodeURIComponent(roomId)}/changes`, ben.cookie);
    const sent = await send(annSocket, { roomId, message: "draft @Ben" });
    if (!sent.ok) throw new Error(sent.error);
    expect(sent.message.mentions).toEqual([ben.user.id]);
    const id = sent.message.id;
    expect(await annSocket.timeout(5000).emitWithAck("message.edit", { roomId, id, message: "final" })).toMatchObject({ ok: true });
    expect(await benSocket.timeout(5000).emitWithAck("reaction.add", { roomId, id, emoji: "👍" })).toMatchObject({ ok: true });
    await eventually(() => heard.length === 2, 5000, "live changes across instances");
    const history = await api(two.url, `/room/${encodeURIComponent(roomId)}/messages?offset=0&size=1`, ben.cookie);
    expect(history.body[0]).toMatchObject({ id, message: "final", reactions: [{ emoji: "👍", users: [ben.user.id] }] });
    expect(await annSocket.timeout(5000).emitWithAck("message.delete", { roomId, id })).toEqual({ ok: true, id });
    const changes = await api(two.url, `/room/${encodeURIComponent(roomId)}/changes?since=${start.body.cursor}`, ben.cookie);
    expect(changes.body.changes.map((c: { type: string }) => c.type)).toEqual(["message.updated", "reaction.updated", "message.deleted"]);
    for (const s of [annSocket, benSocket]) s.disconnect();
  });

  it("sends files with a message in the room's slot: upload, one store script claims them, fetch", async () => {
    const [one, two] = servers as [RunningChatServer, RunningChatServer];
    const cy = await login(one.url, "Cy");
    const dee = await login(one.url, "Dee");
    const roomId = `${cy.user.id}:${dee.user.id}`;
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(Buffer.from("%PDF-1.4 on a cluster"))]), "cluster.pdf");
    const uploaded = await fetch(`${one.url}/room/${encodeURIComponent(roomId)}/attachments`, { method: "POST", headers: { cookie: cy.cookie }, body: form });
    expect(uploaded.status).toBe(201);
    const file = (await uploaded.json()) as { id: string };
    const cySocket = await connect(one.url, cy.cookie);
    const sent = await send(cySocket, { roomId, message: "the plan", attachments: [file.id] });
    if (!sent.ok) throw new Error(sent.error);
    expect(sent.message.attachments).toMatchObject([{ id: file.id, name: "cluster.pdf", type: "application/pdf" }]);
    const history = await api(two.url, `/room/${encodeURIComponent(roomId)}/messages?offset=0&size=1`, dee.cookie);
    expect(history.body[0]).toMatchObject({ id: sent.message.id, attachments: [{ id: file.id }] });
    const fetched = await fetch(`${one.url}/room/${encodeURIComponent(roomId)}/attachments/${file.id}`, { headers: { cookie: dee.cookie } });
    expect([fetched.status, await fetched.text()]).toEqual([200, "%PDF-1.4 on a cluster"]);
    cySocket.disconnect();
  });

  it("loads its Lua scripts on every master, so the first EVALSHA of each finds them", async () => {
    for (const node of nodes) {
      const { stdout } = await run("redis-cli", ["-p", String(node.port), "info", "memory"]);
      const cached = Number(/number_of_cached_scripts:(\d+)/.exec(stdout)?.[1]);
      expect(cached, `node ${node.port}`).toBeGreaterThanOrEqual(5);
    }
  });

  it("spreads the data model over the masters", async () => {
    const counts = await Promise.all(
      nodes.map(async (node) => {
        const client = createClient({ url: node.url });
        await client.connect();
        const size = await client.dbSize();
        await client.close();
        return size;
      }),
    );
    expect(counts.filter((n) => n > 0).length).toBeGreaterThan(1);
  });
});

describe("sign-in and sessions on Redis Cluster", () => {
  it("failed sign-ins are limited (rate-limiter-flexible), sessions are listed and signing out closes the socket", async () => {
    const clusterNodes = nodes.map((n) => `127.0.0.1:${n.port}`);
    const limited = await startChatServer({
      redisUrl: nodes[0]!.url,
      redisClusterNodes: clusterNodes,
      loginRateLimit: 2,
      loginRateLimitPerAddress: 100,
      sessionSecretGenerated: true,
    });
    servers.push(limited);
    const attempt = (password: string) =>
      api(limited.url, "/login", undefined, { method: "POST", body: JSON.stringify({ username: "Mary", password }) });
    expect((await attempt("wrong-1")).status).toBe(401);
    expect((await attempt("wrong-2")).status).toBe(401);
    expect((await attempt("password123")).status).toBe(429);

    const alex = await login(limited.url, "Alex");
    expect((await api(limited.url, "/sessions", alex.cookie)).body).toHaveLength(1);
    const socket = await connect(limited.url, alex.cookie);
    expect((await api(limited.url, "/logout", alex.cookie, { method: "POST", body: "{}" })).status).toBe(200);
    await eventually(() => !socket.connected, 3000, "the signed-out socket to close");
  });
});
