import { Attachment, fileTooLarge, type AttachmentLimits } from "../../protocol/index.js";

export type UploadOutcome =
  | { ok: true; attachment: Attachment }
  | { ok: false; error: string; retryable: boolean; aborted?: boolean };

export interface RunningUpload {
  done: Promise<UploadOutcome>;
  abort(): void;
}

/**
 * `POST /room/:id/attachments` with one file, as multipart (field `file`), by XMLHttpRequest: fetch
 * cannot report upload progress. `onProgress` gets the bytes of the file sent so far. Never rejects:
 * the outcome says whether trying again may help (the connection broke, the server failed) or not
 * (too large, refused content, not a member).
 */
export function uploadFile(roomId: string, file: Blob, name: string, onProgress: (loaded: number) => void): RunningUpload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<UploadOutcome>((resolve) => {
    xhr.open("POST", `/room/${encodeURIComponent(roomId)}/attachments`);
    xhr.responseType = "text";
    xhr.setRequestHeader("accept", "application/json");
    xhr.upload.onprogress = (event) => {
      // The multipart envelope adds a few hundred bytes: count the file's part only.
      if (event.lengthComputable) onProgress(Math.min(file.size, Math.round((event.loaded / event.total) * file.size)));
    };
    xhr.onload = () => {
      const body = parseJson(xhr.responseText);
      if (xhr.status === 201 || xhr.status === 200) {
        const attachment = Attachment.safeParse(body);
        resolve(attachment.success ? { ok: true, attachment: attachment.data } : { ok: false, error: "The server's answer was not understood", retryable: true });
        return;
      }
      const message = typeof (body as { message?: unknown })?.message === "string" ? (body as { message: string }).message : `HTTP ${xhr.status}`;
      resolve({ ok: false, error: describe(xhr.status, message), retryable: xhr.status >= 500 || xhr.status === 408 || xhr.status === 429 });
    };
    xhr.onerror = () => resolve({ ok: false, error: "The upload was interrupted", retryable: true });
    xhr.ontimeout = () => resolve({ ok: false, error: "The upload took too long", retryable: true });
    xhr.onabort = () => resolve({ ok: false, error: "Cancelled", retryable: false, aborted: true });
    const form = new FormData();
    form.append("file", file, name);
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}

/**
 * uploadFile once the server's limits are known: a file over the largest upload is refused here,
 * with the server's own sentence, before a byte is sent (sent, a 30 MB file went whole to be
 * answered 413). Without limits (they could not be read) the file is sent and the server decides.
 */
export function uploadWithin(
  limits: Promise<AttachmentLimits | undefined>,
  roomId: string, file: Blob, name: string, onProgress: (loaded: number) => void,
): RunningUpload {
  let running: RunningUpload | undefined;
  let aborted = false;
  const done = limits.then((known): Promise<UploadOutcome> | UploadOutcome => {
    if (aborted) return { ok: false, error: "Cancelled", retryable: false, aborted: true };
    if (known && file.size > known.maxBytes) return { ok: false, error: describe(413, fileTooLarge(known.maxBytes)), retryable: false };
    running = uploadFile(roomId, file, name, onProgress);
    return running.done;
  });
  return {
    done,
    abort: () => {
      aborted = true;
      running?.abort();
    },
  };
}

function describe(status: number, message: string): string {
  if (status === 413) return `too large. ${message}`;
  if (status === 401) return "Signed out: sign in again to upload";
  return message;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
