import { FileKindIcon, fileKindLabel } from "./FileIcons.js";
import type { RoomFiles } from "./useUploads.js";
import { formatBytes, percent, retriesByItself, type Upload } from "./uploads.js";

/**
 * The files chosen for the next message, above the composer's box: each with its preview (images)
 * or icon, name, size, upload progress, and a button to cancel or remove it; a failed one says why
 * and offers Retry. Everything is text (names are never markup).
 */
export function AttachmentTray({ files }: { files: RoomFiles }) {
  if (files.uploads.length === 0) return null;
  return (
    <ul className="upload-tray" aria-label="Files to send">
      {files.uploads.map((upload) => <TrayItem key={upload.id} upload={upload} files={files} />)}
    </ul>
  );
}

function TrayItem({ upload, files }: { upload: Upload; files: RoomFiles }) {
  const failed = upload.status === "failed" && !retriesByItself(upload);
  const again = upload.status === "failed" && retriesByItself(upload);
  const done = percent(upload);
  return (
    <li className={`upload${failed ? " upload--failed" : ""}${upload.status === "uploaded" ? " upload--done" : ""}`}>
      <span className="upload__preview">
        {upload.previewUrl ? <img src={upload.previewUrl} alt="" /> : <FileKindIcon label={fileKindLabel(upload.name, upload.type)} />}
      </span>
      <span className="upload__text">
        <span className="upload__name" title={upload.name}>{upload.name}</span>
        <span className="upload__state small" title={failed ? upload.error : undefined}>
          {failed ? (
            <span role="alert">Not uploaded: {upload.error ?? "failed"}</span>
          ) : again ? (
            "Interrupted; trying again…"
          ) : upload.status === "uploaded" ? (
            formatBytes(upload.size)
          ) : (
            `${formatBytes(upload.loaded)} of ${formatBytes(upload.size)}`
          )}
        </span>
        {(upload.status === "uploading" || again) && (
          <progress className="upload__progress" max={100} value={done} aria-label={`Uploading ${upload.name}`}>{done}%</progress>
        )}
      </span>
      {failed && upload.retryable && (
        <button type="button" className="link upload__retry" onClick={() => files.retry(upload.id)}>Retry</button>
      )}
      <button type="button" className="icon-button upload__remove" onClick={() => files.remove(upload.id)}
        aria-label={upload.status === "uploading" ? `Cancel upload of ${upload.name}` : `Remove ${upload.name}`}
        title={upload.status === "uploading" ? "Cancel upload" : "Remove"}>✕</button>
    </li>
  );
}
