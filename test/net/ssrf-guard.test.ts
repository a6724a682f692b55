import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertPublicUrl, BlockedAddressError, guardedFetch, isPublicAddress } from "../../src/server/net/ssrf-guard.js";

describe("isPublicAddress", () => {
  it("accepts public IPv4 and IPv6 addresses, and IPv6 forms that carry a public IPv4", () => {
    for (const address of ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "2a00:1450:4007:80e::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]) {
      expect(isPublicAddress(address), address).toBe(true);
    }
  });

  it("refuses loopback, private, link-local, shared, reserved and multicast addresses", () => {
    for (const address of [
      "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "192.0.0.8",
      "198.18.0.1", "192.0.2.1", "224.0.0.1", "255.255.255.255", "::", "::1", "fe80::1", "fd00::1", "ff02::1", "2001:db8::1",
    ]) expect(isPublicAddress(address), address).toBe(false);
  });

  it("refuses the rare IPv6 spellings of private addresses (IPv4-compatible, translated, 6to4, NAT64, discard, site-local, Teredo)", () => {
    for (const address of [
      "::7f00:1", "::127.0.0.1", "::ffff:0:127.0.0.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::", "2002:c0a8:101::1",
      "100::1", "100::ffff:1", "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b:1::808:808", "fec0::1", "feff::1", "2001::1", "::8.8.8.8",
    ]) expect(isPublicAddress(address), address).toBe(false);
  });

  it("is false for anything that is not an address", () => {
    for (const text of ["", "localhost", "example.com", "1.2.3", "::g"]) expect(isPublicAddress(text), text).toBe(false);
  });
});

describe("guardedFetch", () => {
  let server: Server;
  let port = 0;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? "");
      if (req.url === "/redirect-local") return void res.writeHead(302, { location: `http://127.0.0.1:${port}/target` }).end();
      if (req.url === "/big") return void res.end("x".repeat(100_000));
      if (req.url === "/stall") return; // never answers
      res.writeHead(200, { "content-type": "text/plain" }).end(`hello ${req.method}`);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("refuses a loopback literal, a name that resolves to loopback, and an IPv4-compatible IPv6 literal, without connecting", async () => {
    hits.length = 0;
    for (const url of [`http://127.0.0.1:${port}/a`, `http://localhost:${port}/a`, `http://[::7f00:1]:${port}/a`, `http://[::ffff:0:127.0.0.1]:${port}/a`]) {
      await expect(guardedFetch(url, { timeoutMs: 2000, maxBytes: 1024 }), url).rejects.toBeInstanceOf(BlockedAddressError);
    }
    await expect(assertPublicUrl(`http://localhost:${port}/`)).rejects.toBeInstanceOf(BlockedAddressError);
    expect(hits).toEqual([]);
  });

  it("refuses other schemes and URLs with credentials", async () => {
    await expect(guardedFetch("file:///etc/passwd", { timeoutMs: 1000, maxBytes: 10, allowPrivate: true })).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(guardedFetch(`http://u:p@127.0.0.1:${port}/`, { timeoutMs: 1000, maxBytes: 10, allowPrivate: true })).rejects.toBeInstanceOf(BlockedAddressError);
  });

  it("with allowPrivate reaches a local server, and returns a redirect unfollowed unless asked", async () => {
    const plain = await guardedFetch(`http://127.0.0.1:${port}/x`, { method: "POST", body: "{}", timeoutMs: 2000, maxBytes: 1024, allowPrivate: true });
    expect(plain.status).toBe(200);
    expect(plain.body.toString()).toBe("hello POST");
    const redirect = await guardedFetch(`http://localhost:${port}/redirect-local`, { timeoutMs: 2000, maxBytes: 1024, allowPrivate: true });
    expect(redirect.status).toBe(302);
    const followed = await guardedFetch(`http://localhost:${port}/redirect-local`, { timeoutMs: 2000, maxBytes: 1024, allowPrivate: true, maxRedirects: 3 });
    expect(followed.status).toBe(200);
    expect(followed.url).toBe(`http://127.0.0.1:${port}/target`);
  });

  it("reads at most maxBytes of an answer and gives up after timeoutMs", async () => {
    const big = await guardedFetch(`http://127.0.0.1:${port}/big`, { timeoutMs: 2000, maxBytes: 1000, allowPrivate: true });
    expect(big.body.length).toBe(1000);
    expect(big.truncated).toBe(true);
    await expect(guardedFetch(`http://127.0.0.1:${port}/stall`, { timeoutMs: 300, maxBytes: 10, allowPrivate: true })).rejects.toThrow(/no answer within 300 ms/);
  });
});
