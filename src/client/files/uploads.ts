import { MAX_ATTACHMENTS_PER_MESSAGE, type Attachment } from "../../protocol/index.js";

/**
 * Files chosen for the next message of a room (picked, pasted or dropped), from the moment they
 * are chosen until the message that carries them is handed to the outbox. Each is uploaded at once
 * (`POST /room/:id/attachments`); the message is sent with their ids once all are uploaded.
 *
 * - `uploading`: on its way (`loaded` of `size` bytes);
 * - `uploaded`: the server's record is in `attachment`;
 * - `failed`: the upload broke or was refused (`error` says why, `retryable` when sending it again
 *   may work: an interrupted connection, a server error). It stays, marked, until the person
 *   retries or removes it: a message is never sent without a file the person chose.
 */
export type UploadStatus = "uploading" | "uploaded" | "failed";

export interface Upload {
  /** Local id (not the attachment's). */
  id: string;
  roomId: string;
  name: string;
  size: number;
  /** What the browser says the file is; only used to choose a preview (the server sniffs the bytes). */
  type: string;
  status: UploadStatus;
  loaded: number;
  /** Uploads tried so far (interrupted ones are tried again by themselves a few times). */
  attempts: number;
  attachment?: Attachment;
  error?: string;
  retryable?: boolean;
  /** An object URL of the chosen image, for its preview before sending (made and revoked by the hook). */
  previewUrl?: string;
  createdAt: number;
}

export type Uploads = Readonly<Record<string, Upload>>;

export type UploadAction =
  | { type: "uploadAdded"; upload: Upload }
  | { type: "uploadStarted"; id: string }
  | { type: "uploadProgress"; id: string; loaded: number }
  | { type: "uploadDone"; id: string; attachment: Attachment }
  | { type: "uploadFailed"; id: string; error: string; retryable: boolean }
  | { type: "uploadRemoved"; id: string }
  /** The room's uploaded files went out with a message. */
  | { type: "uploadsSent"; roomId: string };

/** Interrupted uploads are tried this many times in all before they wait for the person. */
export const MAX_AUTOMATIC_ATTEMPTS = 3;

export function uploadsReducer(state: Uploads, action: UploadAction): Uploads {
  switch (action.type) {
    case "uploadAdded":
      return { ...state, [action.upload.id]: action.upload };
    case "uploadStarted":
      return update(state, action.id, (u) => {
        const { error: _e, retryable: _r, ...rest } = u;
        return { ...rest, status: "uploading", loaded: 0, attempts: u.attempts + 1 };
      });
    case "uploadProgress":
      return update(state, action.id, (u) => (u.status !== "uploading" || action.loaded <= u.loaded ? u : { ...u, loaded: Math.min(action.loaded, u.size) }));
    case "uploadDone":
      return update(state, action.id, (u) => ({ ...u, status: "uploaded", loaded: u.size, attachment: action.attachment }));
    case "uploadFailed":
      return update(state, action.id, (u) => ({ ...u, status: "failed", error: action.error, retryable: action.retryable }));
    case "uploadRemoved": {
      if (!(action.id in state)) return state;
      const { [action.id]: _gone, ...rest } = state;
      return rest;
    }
    case "uploadsSent": {
      const kept = Object.fromEntries(Object.entries(state).filter(([, u]) => !(u.roomId === action.roomId && u.status === "uploaded")));
      return Object.keys(kept).length === Object.keys(state).length ? state : kept;
    }
  }
}

function update(state: Uploads, id: string, change: (u: Upload) => Upload): Uploads {
  const found = state[id];
  if (!found) return state;
  const next = change(found);
  return next === found ? state : { ...state, [id]: next };
}

/** A room's chosen files, in the order they were chosen. */
export function uploadsInRoom(state: Uploads, roomId: string): Upload[] {
  return Object.values(state)
    .filter((u) => u.roomId === roomId)
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

/** Whether a failed upload is tried again without asking: interrupted, and not too often yet. */
export function retriesByItself(upload: Upload): boolean {
  return upload.status === "failed" && upload.retryable === true && upload.attempts < MAX_AUTOMATIC_ATTEMPTS;
}

export interface TrayStatus {
  /** The uploaded files' records, in order: what the message will carry. */
  attachments: Attachment[];
  /** Whether the message may be sent now (with `hasText`, or with files alone). */
  canSend: boolean;
  /** Why not, for the person; or undefined. */
  reason?: string;
}

/**
 * What the composer may do with a room's files and its text: send when every file is uploaded
 * (a failed one must be retried or removed first) and there is text or at least one file.
 */
export function trayStatus(uploads: readonly Upload[], hasText: boolean): TrayStatus {
  const attachments = uploads.flatMap((u) => (u.status === "uploaded" && u.attachment ? [u.attachment] : []));
  const uploading = uploads.filter((u) => u.status === "uploading" || retriesByItself(u)).length;
  const failedOnes = uploads.filter((u) => u.status === "failed" && !retriesByItself(u));
  const failed = failedOnes.length;
  if (uploads.length > MAX_ATTACHMENTS_PER_MESSAGE) {
    return { attachments, canSend: false, reason: `At most ${MAX_ATTACHMENTS_PER_MESSAGE} files per message: remove ${uploads.length - MAX_ATTACHMENTS_PER_MESSAGE}` };
  }
  if (failed > 0) {
    // Retry is offered only where trying again may work (not for a file too large or refused).
    const what = failedOnes.some((u) => u.retryable) ? "retry or remove" : "remove";
    return { attachments, canSend: false, reason: `${plural(failed, "file")} not uploaded: ${what} ${failed === 1 ? "it" : "them"}` };
  }
  if (uploading > 0) return { attachments, canSend: false, reason: `Uploading ${plural(uploading, "file")}…` };
  return { attachments, canSend: hasText || attachments.length > 0 };
}

/** How many more files the room's next message can take. */
export function roomForFiles(uploads: readonly Upload[]): number {
  return Math.max(0, MAX_ATTACHMENTS_PER_MESSAGE - uploads.length);
}

/** Sizes for people: the protocol's, so the server's sentences and the page's agree. */
export { formatBytes } from "../../protocol/index.js";

/** Upload progress as a whole percentage (0-100). */
export function percent(upload: Pick<Upload, "loaded" | "size" | "status">): number {
  if (upload.status === "uploaded") return 100;
  if (upload.size <= 0) return 0;
  return Math.min(100, Math.floor((upload.loaded / upload.size) * 100));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** A name for a pasted image, which the clipboard gives without one (`image.png` for them all). */
export function pastedFileName(type: string, at: Date): string {
  const ext = type.split("/")[1]?.replace(/[^a-z0-9]/gi, "").slice(0, 5) || "bin";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `Pasted image ${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}.${pad(at.getMinutes())}.${pad(at.getSeconds())}.${ext}`;
}
