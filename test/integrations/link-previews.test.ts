import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { previewableLinks, type ChatMessage, type PreviewsUpdated } from "../../src/protocol/index.js";
import { BlockedAddressError, guardedFetch, isPublicAddress, type GuardedFetchOptions } from "../../src/server/net/ssrf-guard.js";
import { api, connect, eventually, send, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { readAllAfter, signUp } from "../resilience/helpers.js";

/** A site on a loopback address: pages with Open Graph tags, a slow one, a huge one, redirects. Counts every request by path. */
async function startSite(host: string, routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void>) {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    port,
    hits: (path: string) => hits.get(path) ?? 0,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const page = (title: string, description: string, image?: string) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(`<!doctype html><html><head>
<meta property="og:title" content="${title}"><meta property="og:description" content="${description}">
${image ? `<meta property="og:image" content="${image}">` : ""}
<meta property="og:site_name" content="Design Notes"><title>ignored</title></head><body>hello</body></html>`);
};

/** Pending responses of the never-answering route, ended when the test file ends. */
const hanging: ServerResponse[] = [];

describe("link previews", () => {
  const db = usePrivateRedis();
  let site: Awaited<ReturnType<typeof startSite>>;
  let inner: Awaited<ReturnType<typeof startSite>>;
  /** Two instances that may fetch private addresses (ALLOW_PRIVATE_NETWORK_FETCH, the site is on 127.0.0.1). */
  let a: RunningChatServer;
  let b: RunningChatServer;
  /** An instance with the default: private networks refused. */
  let strict: RunningChatServer;
  let alice: SignedIn;
  let bob: SignedIn;
  let bobOnB: ClientSocket;
  let aliceOnA: ClientSocket;
  const bobHeard: PreviewsUpdated[] = [];
  const limits = { linkPreviewTimeoutMs: 1000, linkPreviewMaxBytes: 64 * 1024 };

  beforeAll(async () => {
    const png = await sharp({ create: { width: 640, height: 320, channels: 3, background: "#c8322a" } }).png().toBuffer();
    inner = await startSite("127.0.0.2", { "/secret": page("Internal", "must never be fetched") });
    site = await startSite("127.0.0.1", {
      "/article": page("Quarterly design review", "What we shipped & what is next"),
      "/other": page("Another page", "Second link of the message"),
      "/card": page("With a picture", "Its og:image is stored in the room", "/pic.png"),
      "/svg-card": page("SVG picture", "An SVG is no raster image", "/pic.svg"),
      "/pic.png": (_req, res) => res.writeHead(200, { "content-type": "image/png" }).end(png),
      "/pic.svg": (_req, res) => res.writeHead(200, { "content-type": "image/svg+xml" }).end('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      "/late": (_req, res) => setTimeout(() => page("Late page", "arrives after a while")(_req, res), 600),
      "/slow": (_req, res) => hanging.push(res),
      "/huge": (_req, res) => {
        // 2 MB of body before the tags: past the 64 KB limit, so they are never read.
        res.writeHead(200, { "content-type": "text/html" });
        res.write(`<html><head>${" ".repeat(2 * 1024 * 1024)}`);
        res.end(`<meta property="og:title" content="Too far"></head></html>`);
      },
      "/to-private": (_req, res) => res.writeHead(302, { location: `${inner.origin}/secret` }).end(),
      "/to-metadata": (_req, res) => res.writeHead(301, { location: "http://169.254.169.254/latest/meta-data/" }).end(),
      "/hop": (_req, res) => res.writeHead(302, { location: "/article" }).end(),
      "/loop": (_req, res) => res.writeHead(302, { location: "/loop" }).end(),
    });
    a = await startChatServer({ redisUrl: db.redis.url, allowPrivateNetworkFetch: true, ...limits });
    b = await startChatServer({ redisUrl: db.redis.url, allowPrivateNetworkFetch: true, ...limits });
    strict = await startChatServer({ redisUrl: db.redis.url, ...limits });
    [alice, bob] = await signUp(a.url, "alice", "bob");
    aliceOnA = await connect(a.url, alice.cookie);
    bobOnB = await connect(b.url, bob.cookie, { batch: true });
    bobOnB.on("previews.updated", (change) => bobHeard.push(change));
  });
  afterAll(async () => {
    aliceOnA?.disconnect();
    bobOnB?.disconnect();
    for (const res of hanging) res.destroy();
    await Promise.all([a, b, strict].map((s) => s?.close()));
    await Promise.all([site, inner].map((s) => s?.close()));
  });

  const post = async (text: string, on: ClientSocket = aliceOnA): Promise<ChatMessage> => {
    const ack = await send(on, { roomId: "0", message: text });
    if (!ack.ok) throw new Error(ack.error);
    return ack.message;
  };
  const historyOf = async (id: string) => (await readAllAfter(a.url, bob.cookie, "0")).find((m) => m.id === id);
  const allIdle = () => Promise.all([a, b, strict].map((s) => s.instance.linkPreviewer.idle()));

  it("finds at most three distinct http(s) links in a message, outside code, without trailing punctuation", () => {
    expect(previewableLinks("see https://a.example/x, and (https://b.example/y). `https://code.example` https://a.example/x#top http://c.example https://d.example"))
      .toEqual(["https://a.example/x", "https://b.example/y", "http://c.example/"]);
    expect(previewableLinks("ftp://files.example javascript:alert(1) https://user:pw@host.example/")).toEqual([]);
  });

  it("a link's preview reaches every instance's sockets live after the send was acknowledged, and is returned with history", async () => {
    const message = await post(`the review: ${site.origin}/article`);
    expect(message.previews).toBeUndefined(); // the ack never waits for a preview
    const change = (await eventually(() => bobHeard.find((c) => c.id === message.id), 5000, "previews.updated on the other instance"))!;
    expect(change.previews).toEqual([
      { url: `${site.origin}/article`, title: "Quarterly design review", description: "What we shipped & what is next", site: "Design Notes" },
    ]);
    expect((await historyOf(message.id))?.previews).toEqual(change.previews);
    // The room's change log has it too, for clients catching up.
    const changes = await api(a.url, "/room/0/changes?since=0", bob.cookie);
    expect(changes.body.changes.some((c: PreviewsUpdated) => c.type === "previews.updated" && c.id === message.id)).toBe(true);
  });

  it("the page's image is stored as a file of the room (never hotlinked), thumbnailed, served to signed-in members only, and deleted with the message", async () => {
    const message = await post(`${site.origin}/card and ${site.origin}/svg-card`);
    const change = (await eventually(() => bobHeard.find((c) => c.id === message.id), 5000, "previews with an image"))!;
    const [card, svg] = change.previews;
    expect(card).toMatchObject({ title: "With a picture", image: { width: 640, height: 320 } });
    expect(JSON.stringify(change.previews)).not.toContain("pic.png"); // clients get a file of the room, not the site's URL
    expect(svg!.image).toBeUndefined(); // only raster images are kept
    // Thumbnails are made after the image is stored, by the instance that stored it.
    await Promise.all([a, b].map((server) => server.instance.ctx.attachments.thumbnails.idle()));
    const thumbnail = await api(a.url, `/room/0/attachments/${card!.image!.id}/thumbnail`, bob.cookie);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get("content-type")).toBe("image/webp");
    expect((await api(a.url, `/room/0/attachments/${card!.image!.id}/thumbnail`)).status).toBe(401); // signed out: nothing
    expect(await db.raw.keys("{room:0}:attachment:*")).toHaveLength(1); // the SVG was not kept
    expect((await api(a.url, `/room/0/messages/${message.id}`, alice.cookie, { method: "DELETE" })).status).toBe(200);
    expect((await api(a.url, `/room/0/attachments/${card!.image!.id}/thumbnail`, bob.cookie)).status).toBe(404);
    expect(await db.raw.keys("{room:0}:attachment:*")).toHaveLength(0);
  });

  it("a page is fetched once and its preview cached by URL: the same link again is not fetched again", async () => {
    const before = site.hits("/article");
    const again = await post(`again ${site.origin}/article and a redirect ${site.origin}/hop`);
    await eventually(() => bobHeard.find((c) => c.id === again.id), 5000, "previews of the repeated link");
    expect(site.hits("/article") - before).toBe(1); // only through /hop, a URL not seen before
    expect(bobHeard.find((c) => c.id === again.id)!.previews.map((p) => p.url)).toEqual([`${site.origin}/article`, `${site.origin}/hop`]);
    expect(await db.raw.keys("link-preview:*")).toHaveLength(4); // /article, /hop, and the two cards before
  });

  it("a page that does not answer in time is given up on; the message's other links still get theirs", async () => {
    const started = Date.now();
    const message = await post(`${site.origin}/slow then ${site.origin}/other`);
    const change = (await eventually(() => bobHeard.find((c) => c.id === message.id), 5000, "preview of the second link"))!;
    expect(change.previews.map((p) => p.url)).toEqual([`${site.origin}/other`]);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("a page is read up to LINK_PREVIEW_MAX_BYTES only: tags past it are never seen", async () => {
    const message = await post(`${site.origin}/huge`);
    await allIdle();
    expect((await historyOf(message.id))?.previews).toBeUndefined();
    expect(bobHeard.find((c) => c.id === message.id)).toBeUndefined();
  });

  it("without ALLOW_PRIVATE_NETWORK_FETCH, a private address, or a name that resolves to loopback, is never contacted", async () => {
    const strictAlice = await connect(strict.url, alice.cookie);
    try {
      const hitsBefore = site.hits("/article");
      const message = await post(`${site.origin}/article?strict=1 http://localhost:${site.port}/article?strict=2 http://[::1]:${site.port}/`, strictAlice);
      await allIdle();
      expect(site.hits("/article")).toBe(hitsBefore);
      expect((await historyOf(message.id))?.previews).toBeUndefined();
    } finally {
      strictAlice.disconnect();
    }
  });

  it("every redirect a preview fetch follows is checked again: one to a private address is refused before connecting", async () => {
    // The first hop is this test's site on 127.0.0.1, let through as if public by a narrowed
    // classifier; the redirect targets (127.0.0.2, the cloud metadata address) are judged as in production.
    const options: GuardedFetchOptions = {
      timeoutMs: 2000, maxBytes: 64 * 1024, maxRedirects: 5,
      isPublic: (address) => address === "127.0.0.1" || isPublicAddress(address),
    };
    expect((await guardedFetch(`${site.origin}/hop`, options)).body.toString()).toContain("Quarterly design review");
    await expect(guardedFetch(`${site.origin}/to-private`, options)).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(guardedFetch(`${site.origin}/to-metadata`, options)).rejects.toBeInstanceOf(BlockedAddressError);
    expect(inner.hits("/secret")).toBe(0);
    // A redirect loop ends at the limit with the last 3xx, which gives no preview.
    expect((await guardedFetch(`${site.origin}/loop`, options)).status).toBe(302);
  });

  it("the author removes a message's previews, live everywhere; someone else may not", async () => {
    const message = await post(`${site.origin}/other`);
    await eventually(() => bobHeard.find((c) => c.id === message.id), 5000, "the preview");
    const path = `/room/0/messages/${message.id}/previews`;
    expect((await api(b.url, path, bob.cookie, { method: "DELETE" })).status).toBe(403);
    const removed = await api(b.url, path, alice.cookie, { method: "DELETE" });
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ roomId: "0", id: message.id, previews: [] });
    await eventually(() => bobHeard.some((c) => c.id === message.id && c.previews.length === 0), 5000, "the removal, live");
    expect((await historyOf(message.id))?.previews).toBeUndefined();
    expect((await api(a.url, "/room/0/messages/1234/previews", alice.cookie, { method: "DELETE" })).status).toBe(404);
  });

  it("previews removed before they arrive never appear; deleting the message deletes its previews", async () => {
    const early = await post(`${site.origin}/late`);
    expect((await api(a.url, `/room/0/messages/${early.id}/previews`, alice.cookie, { method: "DELETE" })).status).toBe(200);
    await allIdle();
    expect(site.hits("/late")).toBe(1);
    expect((await historyOf(early.id))?.previews).toBeUndefined();
    expect(bobHeard.filter((c) => c.id === early.id).every((c) => c.previews.length === 0)).toBe(true);

    const kept = await post(`${site.origin}/article`);
    await eventually(() => bobHeard.find((c) => c.id === kept.id), 5000, "the preview");
    expect(Number(await db.raw.hExists("{room:0}:previews", kept.id))).toBe(1);
    expect((await api(a.url, `/room/0/messages/${kept.id}`, alice.cookie, { method: "DELETE" })).status).toBe(200);
    expect(Number(await db.raw.hExists("{room:0}:previews", kept.id))).toBe(0);
  });
});
