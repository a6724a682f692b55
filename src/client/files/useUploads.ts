import { useCallback, useEffect, useMemo, useReducer, useRef } from "react";
import { attachmentLimits } from "./api.js";
import { uploadWithin, type RunningUpload } from "./upload.js";
import { pastedFileName, retriesByItself, uploadsInRoom, uploadsReducer, type Upload, type Uploads } from "./uploads.js";

/** A room's chosen files and what can be done with them (the composer's props). */
export interface RoomFiles {
  uploads: Upload[];
  /** Files picked, pasted or dropped: each starts uploading at once. */
  add(files: readonly File[]): void;
  retry(id: string): void;
  /** Cancels the upload if running, and takes the file out of the message. */
  remove(id: string): void;
  /** The message carrying the uploaded files was handed to the outbox: they leave the tray. */
  sent(): void;
}

/** Image types a browser can preview from the chosen file (others get an icon). */
const PREVIEWABLE = /^image\/(png|jpeg|gif|webp|avif)$/;

/**
 * The files chosen in every room, kept while the person moves between rooms (the shell holds this
 * hook; RoomView passes one room's `RoomFiles` to the composer). Uploads run as soon as files are
 * chosen, with progress; an interrupted one is tried again by itself a few times (1 s, 2 s), then
 * waits, marked, for the person's Retry.
 */
export function useUploads(): { state: Uploads; forRoom(roomId: string): RoomFiles } {
  const [state, dispatch] = useReducer(uploadsReducer, {});
  const files = useRef(new Map<string, File>());
  const running = useRef(new Map<string, RunningUpload>());
  const stateRef = useRef(state);
  stateRef.current = state;

  const start = useCallback((id: string) => {
    const upload = stateRef.current[id];
    const file = files.current.get(id);
    if (!upload || !file || running.current.has(id)) return;
    dispatch({ type: "uploadStarted", id });
    const run = uploadWithin(attachmentLimits(), upload.roomId, file, upload.name, (loaded) => dispatch({ type: "uploadProgress", id, loaded }));
    running.current.set(id, run);
    void run.done.then((outcome) => {
      running.current.delete(id);
      if (outcome.ok) dispatch({ type: "uploadDone", id, attachment: outcome.attachment });
      else if (!outcome.aborted) dispatch({ type: "uploadFailed", id, error: outcome.error, retryable: outcome.retryable });
    });
  }, []);

  // The server's limits are asked for at once, so the first file chosen need not wait for them.
  useEffect(() => void attachmentLimits(), []);

  // Interrupted uploads go again by themselves, a little later each time.
  useEffect(() => {
    const timers = Object.values(state)
      .filter((u) => retriesByItself(u) && !running.current.has(u.id))
      .map((u) => setTimeout(() => start(u.id), 1000 * u.attempts));
    return () => timers.forEach(clearTimeout);
  }, [state, start]);

  const forget = useCallback((id: string) => {
    const upload = stateRef.current[id];
    if (upload?.previewUrl) URL.revokeObjectURL(upload.previewUrl);
    files.current.delete(id);
  }, []);

  // Leaving the page: stop the uploads (their files were not sent) and free the previews.
  useEffect(() => () => {
    for (const run of running.current.values()) run.abort();
    for (const id of files.current.keys()) forget(id);
  }, [forget]);

  const add = useCallback((roomId: string, chosen: readonly File[]) => {
    const now = Date.now();
    chosen.forEach((file, index) => {
      const id = `u${now.toString(36)}-${index}-${Math.random().toString(36).slice(2, 8)}`;
      // Pasted images come as `image.png` (or nameless): give them a name worth keeping.
      const name = !file.name || /^image\.\w+$/.test(file.name) ? pastedFileName(file.type, new Date(now)) : file.name;
      files.current.set(id, file);
      const upload: Upload = {
        id, roomId, name, size: file.size, type: file.type, status: "uploading", loaded: 0, attempts: 0, createdAt: now + index,
        ...(PREVIEWABLE.test(file.type) ? { previewUrl: URL.createObjectURL(file) } : {}),
      };
      dispatch({ type: "uploadAdded", upload });
      stateRef.current = { ...stateRef.current, [id]: upload };
      start(id);
    });
  }, [start]);

  const retry = useCallback((id: string) => start(id), [start]);

  const remove = useCallback((id: string) => {
    running.current.get(id)?.abort();
    running.current.delete(id);
    forget(id);
    dispatch({ type: "uploadRemoved", id });
  }, [forget]);

  const sent = useCallback((roomId: string) => {
    for (const u of uploadsInRoom(stateRef.current, roomId)) if (u.status === "uploaded") forget(u.id);
    dispatch({ type: "uploadsSent", roomId });
  }, [forget]);

  const forRoom = useCallback((roomId: string): RoomFiles => ({
    uploads: uploadsInRoom(stateRef.current, roomId),
    add: (chosen) => add(roomId, chosen),
    retry,
    remove,
    sent: () => sent(roomId),
  }), [add, retry, remove, sent]);

  return useMemo(() => ({ state, forRoom }), [state, forRoom]);
}
