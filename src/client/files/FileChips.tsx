import type { Attachment } from "../../protocol/index.js";
import { PaperclipIcon } from "./FileIcons.js";
import "./files.css";

/**
 * A message's files as small name chips, for lists of messages (search results, pins, saved):
 * the names a person reads, not the fallback lines with their paths that seed clients get.
 */
export function FileChips({ attachments }: { attachments?: readonly Pick<Attachment, "id" | "name">[] }) {
  if (!attachments?.length) return null;
  return (
    <span className="file-chips" aria-label={attachments.length === 1 ? "1 file" : `${attachments.length} files`} role="group">
      {attachments.map((a) => (
        <span key={a.id} className="file-chip"><PaperclipIcon /><span className="file-chip__name">{a.name}</span></span>
      ))}
    </span>
  );
}
