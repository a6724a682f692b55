import { describe, expect, it } from "vitest";
import { MAX_ATTACHMENTS_PER_MESSAGE, type Attachment } from "../../protocol/index.js";
import { fitImage } from "./layout.js";
import { uploadWithin } from "./upload.js";
import { messageSummary } from "./summary.js";
import {
  formatBytes, MAX_AUTOMATIC_ATTEMPTS, pastedFileName, percent, retriesByItself, trayStatus, uploadsInRoom, uploadsReducer,
  type Upload, type Uploads,
} from "./uploads.js";

const record = (id: string, name = `${id}.png`): Attachment => ({ id: id.padEnd(22, "x"), name, type: "image/png", size: 2048, width: 800, height: 600, thumbnail: true });

function chosen(id: string, roomId = "0", createdAt = 1000): Upload {
  return { id, roomId, name: `${id}.png`, size: 2048, type: "image/png", status: "uploading", loaded: 0, attempts: 0, createdAt };
}

/** Runs actions from an empty state. */
const run = (...actions: Parameters<typeof uploadsReducer>[1][]): Uploads => actions.reduce(uploadsReducer, {} as Uploads);

describe("files chosen for a message (uploads slice)", () => {
  it("an upload goes from uploading, with progress that only moves forward, to uploaded with the server's record", () => {
    let state = run({ type: "uploadAdded", upload: chosen("a") }, { type: "uploadStarted", id: "a" });
    expect(state.a).toMatchObject({ status: "uploading", attempts: 1, loaded: 0 });
    state = uploadsReducer(state, { type: "uploadProgress", id: "a", loaded: 1500 });
    expect(percent(state.a!)).toBe(73);
    expect(uploadsReducer(state, { type: "uploadProgress", id: "a", loaded: 900 })).toBe(state); // late progress events are ignored
    state = uploadsReducer(state, { type: "uploadDone", id: "a", attachment: record("a") });
    expect(state.a).toMatchObject({ status: "uploaded", loaded: 2048, attachment: record("a") });
    expect(percent(state.a!)).toBe(100);
  });

  it("an interrupted upload is tried again by itself a few times, then waits, marked, for the person", () => {
    let state = run({ type: "uploadAdded", upload: chosen("a") });
    for (let attempt = 1; attempt <= MAX_AUTOMATIC_ATTEMPTS; attempt++) {
      state = uploadsReducer(state, { type: "uploadStarted", id: "a" });
      state = uploadsReducer(state, { type: "uploadFailed", id: "a", error: "The upload was interrupted", retryable: true });
      expect(retriesByItself(state.a!)).toBe(attempt < MAX_AUTOMATIC_ATTEMPTS);
    }
    expect(trayStatus(uploadsInRoom(state, "0"), true)).toMatchObject({ canSend: false, reason: "1 file not uploaded: retry or remove it" });
    // The person's Retry starts it again, with its error cleared.
    state = uploadsReducer(state, { type: "uploadStarted", id: "a" });
    expect(state.a).toMatchObject({ status: "uploading", loaded: 0 });
    expect(state.a!.error).toBeUndefined();
  });

  it("a refused upload (too large, not allowed) is not tried again by itself", () => {
    const state = run(
      { type: "uploadAdded", upload: chosen("a") },
      { type: "uploadStarted", id: "a" },
      { type: "uploadFailed", id: "a", error: "Too large: the limit is 25 MB", retryable: false },
    );
    expect(retriesByItself(state.a!)).toBe(false);
    expect(trayStatus([state.a!], false)).toMatchObject({ canSend: false, reason: "1 file not uploaded: remove it" });
  });

  it("the message waits for every upload, may carry files without text, and lists them in the order chosen", () => {
    let state = run(
      { type: "uploadAdded", upload: chosen("b", "0", 2000) },
      { type: "uploadAdded", upload: chosen("a", "0", 1000) },
      { type: "uploadAdded", upload: chosen("other", "7", 500) },
      { type: "uploadDone", id: "a", attachment: record("a") },
    );
    const room = uploadsInRoom(state, "0");
    expect(room.map((u) => u.id)).toEqual(["a", "b"]);
    expect(trayStatus(room, true)).toMatchObject({ canSend: false, reason: "Uploading 1 file…" });
    state = uploadsReducer(state, { type: "uploadDone", id: "b", attachment: record("b") });
    expect(trayStatus(uploadsInRoom(state, "0"), false)).toEqual({ canSend: true, attachments: [record("a"), record("b")] });
    expect(trayStatus([], false).canSend).toBe(false);
    expect(trayStatus([], true).canSend).toBe(true);
  });

  it("sending takes the room's uploaded files out of the tray, and leaves other rooms' and unfinished ones", () => {
    let state = run(
      { type: "uploadAdded", upload: chosen("a") },
      { type: "uploadAdded", upload: chosen("b") },
      { type: "uploadAdded", upload: chosen("c", "7") },
      { type: "uploadDone", id: "a", attachment: record("a") },
      { type: "uploadDone", id: "c", attachment: record("c") },
    );
    state = uploadsReducer(state, { type: "uploadsSent", roomId: "0" });
    expect(Object.keys(state).sort()).toEqual(["b", "c"]);
    expect(uploadsReducer(state, { type: "uploadsSent", roomId: "0" })).toBe(state);
  });

  it("a removed file leaves the tray; actions about files no longer there change nothing", () => {
    const state = run({ type: "uploadAdded", upload: chosen("a") }, { type: "uploadRemoved", id: "a" });
    expect(state).toEqual({});
    expect(uploadsReducer(state, { type: "uploadDone", id: "a", attachment: record("a") })).toBe(state);
    expect(uploadsReducer(state, { type: "uploadRemoved", id: "a" })).toBe(state);
  });

  it(`more than ${MAX_ATTACHMENTS_PER_MESSAGE} files cannot go in one message: the tray says how many to remove`, () => {
    const uploads = Array.from({ length: MAX_ATTACHMENTS_PER_MESSAGE + 2 }, (_, i) => ({ ...chosen(`f${i}`), status: "uploaded" as const, attachment: record(`f${i}`) }));
    expect(trayStatus(uploads, false)).toMatchObject({ canSend: false, reason: `At most ${MAX_ATTACHMENTS_PER_MESSAGE} files per message: remove 2` });
  });

  it("sizes read as people read them, and pasted images get a dated name", () => {
    expect([0, 1, 1023, 1024, 1536, 10 * 1024 * 1024, 25 * 1024 * 1024 + 1].map(formatBytes)).toEqual(["0 bytes", "1 byte", "1023 bytes", "1 KB", "1.5 KB", "10 MB", "25 MB"]);
    expect(pastedFileName("image/png", new Date(2026, 11, 6, 9, 5, 3))).toBe("Pasted image 2026-12-06 09.05.03.png");
  });

  it("an image is shown at its aspect ratio, scaled down to fit and never up", () => {
    expect(fitImage(4000, 3000, { width: 360, height: 320 })).toEqual({ width: 360, height: 270 });
    expect(fitImage(1000, 4000, { width: 360, height: 320 })).toEqual({ width: 80, height: 320 });
    expect(fitImage(120, 80, { width: 360, height: 320 })).toEqual({ width: 120, height: 80 });
  });

  it("a message with files reads, in lists and quotes, as its caption or else its files' names", () => {
    const a = record("a", "plan.pdf");
    const b = record("b", "photo.png");
    const line = (r: Attachment) => `📎 ${r.name} /room/0/attachments/${r.id}`;
    expect(messageSummary({ roomId: "0", message: `Plan\n${line(a)}`, attachments: [a] })).toBe("Plan");
    expect(messageSummary({ roomId: "0", message: line(a), attachments: [a] })).toBe("📎 plan.pdf");
    expect(messageSummary({ roomId: "0", message: `${line(a)}\n${line(b)}`, attachments: [a, b] })).toBe("📎 plan.pdf and 1 more file");
    expect(messageSummary({ roomId: "0", message: "just text" })).toBe("just text");
  });
});

describe("checking a file against the server's limit before sending it", () => {
  const limits = Promise.resolve({ maxBytes: 25 * 1024 * 1024, maxPerMessage: MAX_ATTACHMENTS_PER_MESSAGE });

  it("refuses a file over the server's largest upload without sending a byte, in the server's own words", async () => {
    // Node has no XMLHttpRequest: reaching the network would throw, so the answer is the check's own.
    const huge = new Blob([new Uint8Array(30 * 1024 * 1024)]);
    expect(await uploadWithin(limits, "0", huge, "huge.bin", () => {}).done).toEqual({
      ok: false, error: "too large. The file is larger than 25 MB", retryable: false,
    });
  });

  it("a file removed while the limits are still being asked for is never sent", async () => {
    const run = uploadWithin(limits, "0", new Blob([new Uint8Array(10)]), "small.bin", () => {});
    run.abort();
    expect(await run.done).toMatchObject({ ok: false, aborted: true });
  });
});
