import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/protocol/index.js";
import { api, collectMessages, connect, eventually, login, send, type ClientSocket } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { freePort, startRedis, type RedisServerHandle } from "../support/redis-server.js";

/**
 * The shipped nginx config (deploy/nginx/redis-chat.conf), run for real in front of two instances:
 * login over HTTP, a WebSocket client, a client that starts on long-polling and upgrades, and one
 * that stays on long-polling, all through nginx, exchanging messages across the two instances.
 * The config is read from deploy/ and only its ports are replaced, so this tests the file users get.
 */

const TEMPLATE = fileURLToPath(new URL("../../deploy/nginx/redis-chat.conf", import.meta.url));

function nginxBinary(): string {
  for (const candidate of ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]) {
    if (existsSync(candidate)) return candidate;
  }
  const which = spawnSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error("nginx is not installed: apt-get install -y nginx (.ci/run installs it)");
}

/** The deploy config with its upstream servers and listen address replaced; nothing else changes. */
function renderConfig(template: string, upstreamPorts: number[], listenPort: number, options: { sticky?: boolean } = {}): string {
  const serverLine = /^([ \t]*)server[ \t]+127\.0\.0\.1:\d+([^;\n]*);[ \t]*$/gm;
  const listenLine = /^([ \t]*)listen[ \t]+[^;\n]+;[ \t]*$/gm;
  const servers = template.match(serverLine) ?? [];
  const listens = template.match(listenLine) ?? [];
  if (servers.length < 2) throw new Error(`expected the upstream's 'server 127.0.0.1:PORT' lines in ${TEMPLATE}`);
  if (listens.length < 1) throw new Error(`expected 'listen' lines in ${TEMPLATE}`);
  let first = true;
  let out = template.replace(serverLine, (_line, indent: string, params: string) => {
    if (!first) return `${indent}# (test: removed)`;
    first = false;
    return upstreamPorts.map((port) => `${indent}server 127.0.0.1:${port}${params};`).join("\n");
  });
  first = true;
  out = out.replace(listenLine, (_line, indent: string) => {
    if (!first) return `${indent}# (test: removed)`;
    first = false;
    return `${indent}listen 127.0.0.1:${listenPort};`;
  });
  if (options.sticky === false) {
    const sticky = /^[ \t]*(hash[ \t][^;\n]*|ip_hash[ \t]*);[ \t]*$/m;
    if (!sticky.test(out)) throw new Error("no sticky-session line (hash/ip_hash) found in the upstream");
    out = out.replace(sticky, "    # (test: no sticky sessions)");
  }
  return out;
}

interface RunningNginx {
  url: string;
  stop(): Promise<void>;
}

/**
 * nginx in the foreground (as root or not) on a free port, with everything it writes under a
 * private temp dir, running the deploy config rendered for these upstream ports.
 */
async function startNginx(template: string, upstreamPorts: number[], options: { sticky?: boolean } = {}): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), "redis-chat-nginx-"));
  // Run as root, nginx's workers drop to `nobody`: they must be able to reach the temp paths.
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(join(dir, "redis-chat.conf"), renderConfig(template, upstreamPorts, port, options));
  writeFileSync(
    join(dir, "nginx.conf"),
    [
      "worker_processes 1;",
      `pid ${dir}/nginx.pid;`,
      "error_log stderr warn;",
      "events { worker_connections 1024; }",
      "http {",
      "    access_log off;",
      `    client_body_temp_path ${dir}/client_body;`,
      `    proxy_temp_path ${dir}/proxy;`,
      `    fastcgi_temp_path ${dir}/fastcgi;`,
      `    uwsgi_temp_path ${dir}/uwsgi;`,
      `    scgi_temp_path ${dir}/scgi;`,
      `    include ${dir}/redis-chat.conf;`,
      "}",
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(nginxBinary(), ["-p", dir, "-e", "stderr", "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}`;
  const exited = () =>
    new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
  const stop = async () => {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited();
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${stderr}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not start:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, stop };
}

/**
 * A Socket.IO client with the default transports (long-polling first, then an upgrade to
 * WebSocket), or long-polling only; `transports` records the transport it opened on and each upgrade.
 */
async function connectPolling(url: string, cookie: string, options: { upgrade: boolean }): Promise<{ socket: ClientSocket; transports: string[] }> {
  const socket: ClientSocket = io(url, {
    transports: ["polling", "websocket"],
    upgrade: options.upgrade,
    extraHeaders: { cookie },
    reconnection: false,
    forceNew: true,
  });
  const transports: string[] = [];
  socket.io.on("open", () => {
    const engine = socket.io.engine;
    transports.push(engine.transport.name);
    engine.on("upgrade", (transport: { name: string }) => transports.push(transport.name));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (err) => reject(err));
  });
  return { socket, transports };
}

describe("nginx in front of two instances (deploy/nginx/redis-chat.conf)", () => {
  let redis: RedisServerHandle;
  let servers: RunningChatServer[] = [];
  let nginx: RunningNginx | undefined;
  const sockets: ClientSocket[] = [];
  const template = readFileSync(TEMPLATE, "utf8");

  /** Which instance (0 or 1) holds this client's connection. */
  const upstreamPorts = () => servers.map((s) => Number(new URL(s.url).port));
  const instanceOf = (socket: ClientSocket) => servers.findIndex((s) => s.instance.io.of("/").sockets.has(socket.id!));

  beforeAll(async () => {
    redis = await startRedis();
    servers = await Promise.all([0, 1].map(() => startChatServer({ redisUrl: redis.url, trustProxy: true })));
    nginx = await startNginx(template, upstreamPorts());
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await nginx?.stop();
    await Promise.all(servers.map((s) => s.close()));
    await redis?.stop();
  });

  it("the rendered config keeps the deploy file's WebSocket, sticky-session and forwarding settings", () => {
    const rendered = renderConfig(template, [4001, 4002], 4100);
    expect(rendered).toMatch(/server 127\.0\.0\.1:4001 [^;]*;\n\s*server 127\.0\.0\.1:4002 [^;]*;/);
    const active = rendered.split("\n").filter((line) => !line.trim().startsWith("#")).join("\n");
    expect(active).not.toMatch(/127\.0\.0\.1:300\d/);
    expect(active).not.toMatch(/listen\s+(\[::\]:)?80;/);
    expect(rendered).toContain("listen 127.0.0.1:4100;");
    for (const directive of [
      "hash $cookie_sid consistent;",
      "location /socket.io/",
      "proxy_http_version 1.1;",
      "proxy_set_header Upgrade $http_upgrade;",
      "proxy_set_header Connection $redis_chat_connection;",
      "proxy_set_header X-Forwarded-For",
      "proxy_read_timeout 1h;",
      "location ~ ^/room/[^/]+/attachments$",
      "proxy_request_buffering off;",
    ]) {
      expect(rendered).toContain(directive);
    }
  });

  it("serves the REST API through nginx: health, login with a session cookie, the session user", async () => {
    const health = await api(nginx!.url, "/healthz");
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: "ok" });
    const alice = await login(nginx!.url, "alice_nginx", "password123");
    expect(alice.cookie).toMatch(/^sid=/);
    const me = await api(nginx!.url, "/me", alice.cookie);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: "alice_nginx" });
    expect((await api(nginx!.url, "/me")).body).toBeNull();
  });

  it("takes a 5 MB file upload through nginx (past the 2 MB body limit of the other locations)", async () => {
    const bob = await login(nginx!.url, "bob_nginx_files", "password123");
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(5 * 1024 * 1024).fill(7)]), "big.bin");
    const res = await fetch(`${nginx!.url}/room/0/attachments`, { method: "POST", headers: { cookie: bob.cookie }, body: form });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: "big.bin", size: 5 * 1024 * 1024 });
  });

  it("WebSocket, upgrading and long-polling-only clients exchange messages across both instances", async () => {
    const url = nginx!.url;
    // alice: WebSocket transport only.
    const alice = await login(url, "alice_nginx", "password123");
    const aliceSocket = await connect(url, alice.cookie);
    sockets.push(aliceSocket);
    const aliceAt = instanceOf(aliceSocket);
    expect(aliceAt).toBeGreaterThanOrEqual(0);
    const aliceGot = collectMessages(aliceSocket);

    // bob: default transports (starts on long-polling, then upgrades to WebSocket through nginx).
    // Sessions are spread by the hash of their cookie: sign in again until bob's connection lands
    // on the other instance, so that what he exchanges with alice crosses the Redis bridge.
    let bobSocket: ClientSocket | undefined;
    let bobTransports: string[] = [];
    for (let attempt = 0; attempt < 16 && !bobSocket; attempt++) {
      const bob = await login(url, "bob_nginx", "password123");
      const { socket, transports } = await connectPolling(url, bob.cookie, { upgrade: true });
      expect(transports[0]).toBe("polling");
      if (instanceOf(socket) !== aliceAt) [bobSocket, bobTransports] = [socket, transports];
      else socket.disconnect();
    }
    if (!bobSocket) throw new Error("16 sessions in a row hashed to the same instance: is the upstream hash working?");
    sockets.push(bobSocket);
    const bobGot = collectMessages(bobSocket);
    await eventually(() => bobSocket!.io.engine.transport.name === "websocket", 10_000, "bob's upgrade to WebSocket through nginx");
    expect(bobTransports).toEqual(["polling", "websocket"]);

    // carol: long-polling only, for the whole conversation (every poll must reach her instance).
    const carol = await login(url, "carol_nginx", "password123");
    const { socket: carolSocket, transports: carolTransports } = await connectPolling(url, carol.cookie, { upgrade: false });
    sockets.push(carolSocket);
    const carolGot = collectMessages(carolSocket);
    expect(instanceOf(carolSocket)).toBeGreaterThanOrEqual(0);

    const ids = (got: ChatMessage[]) => got.map((m) => m.id);
    const sent: string[] = [];
    for (const [name, socket] of [["alice", aliceSocket], ["bob", bobSocket], ["carol", carolSocket]] as const) {
      const ack = await send(socket, { roomId: "0", message: `hello from ${name} via nginx`, clientId: `nginx-${name}` });
      if (!ack.ok) throw new Error(`${name}: ${ack.error}`);
      sent.push(ack.message.id);
    }
    for (const [name, got] of [["alice", aliceGot], ["bob", bobGot], ["carol", carolGot]] as const) {
      await eventually(() => sent.every((id) => ids(got).includes(id)), 10_000, `every message at ${name}`);
      expect(ids(got).filter((id) => sent.includes(id))).toHaveLength(3); // each exactly once
    }
    expect(carolTransports).toEqual(["polling"]);
    expect(carolSocket.io.engine.transport.name).toBe("polling");
    expect(carolGot.find((m) => m.message === "hello from alice via nginx")).toMatchObject({ roomId: "0", from: alice.user.id });
  });

  it("without the sticky-session line, a long-polling client breaks (why the config has one)", async () => {
    const roundRobin = await startNginx(template, upstreamPorts(), { sticky: false });
    try {
      const dave = await login(roundRobin.url, "dave_nginx", "password123");
      // Requests of one polling connection alternate between the two instances: the one that did
      // not do the handshake answers 400 "Session ID unknown", and the connection fails.
      const outcome = await new Promise<string>((resolve) => {
        const socket: ClientSocket = io(roundRobin.url, {
          transports: ["polling"],
          upgrade: false,
          extraHeaders: { cookie: dave.cookie },
          reconnection: false,
          forceNew: true,
        });
        const timer = setTimeout(() => done("worked"), 8000);
        let settled = false;
        const done = (what: string) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(what);
          socket.disconnect(); // emits "disconnect" at once: settled first
        };
        socket.once("connect_error", () => done("failed"));
        socket.once("disconnect", () => done("failed"));
        socket.once("connect", () => {
          // A handshake can get lucky; the following polls cannot all be.
          socket.timeout(3000).emitWithAck("room.join", "0").then(
            () => send(socket, { roomId: "0", message: "x" }, 3000).then(() => done("worked"), () => done("failed")),
            () => done("failed"),
          );
        });
      });
      expect(outcome).toBe("failed");
    } finally {
      await roundRobin.stop();
    }
  });
});
