import { request } from "node:http";
import { deflateSync, crc32 } from "node:zlib";
import sharp from "sharp";

/** `POST /room/:id/attachments` with one file (multipart, as a browser's FormData sends it). */
export async function upload(url: string, cookie: string, roomId: string, name: string, bytes: Buffer | string, type = "application/octet-stream") {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(typeof bytes === "string" ? Buffer.from(bytes) : bytes)], { type }), name);
  const res = await fetch(`${url}/room/${encodeURIComponent(roomId)}/attachments`, { method: "POST", headers: { cookie }, body: form });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

/** A GET of a file, its bytes and headers. */
export async function download(url: string, cookie: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, { headers: { cookie, ...headers } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/**
 * Starts a multipart upload and sends only its first `bytes` bytes, never the end: resolves with
 * the status the server answers while the body is still open (or rejects after `timeoutMs`).
 * The body is chunked (no Content-Length) unless `contentLength` is given.
 */
export function statusBeforeBodyEnds(url: string, cookie: string, roomId: string, bytes: number, timeoutMs = 5000, contentLength?: number): Promise<number> {
  return answerBeforeBodyEnds(url, cookie, roomId, bytes, timeoutMs, contentLength).then((answer) => answer.status);
}

/**
 * statusBeforeBodyEnds with the answer's body, and whether the server then closed the connection
 * (so it reads no more of the body).
 */
export function answerBeforeBodyEnds(
  url: string, cookie: string, roomId: string, bytes: number, timeoutMs = 5000, contentLength?: number,
): Promise<{ status: number; body: any; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const boundary = "----redis-chat-test";
    const req = request(`${url}/room/${encodeURIComponent(roomId)}/attachments`, {
      method: "POST",
      headers: {
        cookie,
        "content-type": `multipart/form-data; boundary=${boundary}`,
        ...(contentLength === undefined ? {} : { "content-length": String(contentLength) }),
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error("no answer while the body was still being sent"));
    }, timeoutMs);
    req.on("response", (res) => {
      clearTimeout(timer);
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => {
        let body: any = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON
        }
        // The server's end of the connection: closed after the answer, or kept open for more body.
        const socket = req.socket!;
        const closed = new Promise<boolean>((done) => {
          if (socket.readableEnded || socket.destroyed) return done(true);
          socket.once("end", () => done(true));
          socket.once("close", () => done(true));
          setTimeout(() => done(false), 1000);
        });
        void closed.then((closedByServer) => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body, closedByServer });
        });
      });
    });
    req.on("error", () => {});
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    req.write(Buffer.alloc(bytes, 1));
  });
}

/**
 * A JPEG `width` x `height` whose EXIF says "rotate 90°" (orientation 6), with a camera model and
 * a GPS position. Its left half is red and its right half blue, so the turn can be seen in pixels.
 */
export async function rotatedJpeg(width: number, height: number): Promise<Buffer> {
  const half = Math.floor(width / 2);
  const blue = await sharp({ create: { width: width - half, height, channels: 3, background: "#0000ff" } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: "#ff0000" } })
    .composite([{ input: blue, left: half, top: 0 }])
    .jpeg({ quality: 95 })
    .withExif({
      IFD0: { Make: "TestCam", Model: "Secret Model 9" },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "48/1 51/1 2405/100", GPSLongitudeRef: "E", GPSLongitude: "2/1 21/1 702/100" },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

export function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: "#22aa44" } }).png().toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/**
 * A decompression bomb: a valid PNG header declaring `side` x `side` pixels (1 bit grey) whose
 * few hundred bytes of zlib would inflate to gigabytes.
 */
export function pngBomb(side: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const row = Buffer.alloc(1 + Math.ceil(side / 8));
  const rows = Buffer.concat(Array.from({ length: 64 }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(rows, { level: 9 })),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A multipart upload whose file bytes leave in pieces (cut at `cuts`), `pauseMs` apart. */
export function uploadInPieces(url: string, cookie: string, roomId: string, name: string, bytes: Buffer, cuts: number[], pauseMs = 100): Promise<{ status: number; body: any }> {
  const boundary = "----redis-chat-pieces";
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const pieces = [0, ...cuts, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end));
  return new Promise((resolve, reject) => {
    const req = request(`${url}/room/${encodeURIComponent(roomId)}/attachments`, {
      method: "POST",
      headers: { cookie, "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": String(head.length + bytes.length + tail.length) },
    });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.setNoDelay(true);
    void (async () => {
      req.write(head);
      for (const piece of pieces) {
        req.write(piece);
        await new Promise((r) => setTimeout(r, pauseMs));
      }
      req.end(tail);
    })();
  });
}

/** Starts an upload and keeps its body open (some bytes sent, never the end) until the returned abort is called. */
export function holdUploadOpen(url: string, cookie: string, roomId: string): () => void {
  const boundary = "----redis-chat-held";
  const req = request(`${url}/room/${encodeURIComponent(roomId)}/attachments`, {
    method: "POST",
    // Chunked: a Content-Length past the limit would be refused before the body is read.
    headers: { cookie, "content-type": `multipart/form-data; boundary=${boundary}` },
  });
  req.on("error", () => {});
  req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="held.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  req.write(Buffer.alloc(10_000, 3));
  return () => req.destroy();
}
