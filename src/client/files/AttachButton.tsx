import { useRef } from "react";
import { PaperclipIcon } from "./FileIcons.js";

/** The composer's paperclip: opens the file picker (several files at once). */
export function AttachButton({ onFiles }: { onFiles: (files: File[]) => void }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className="icon-button composer__attach" aria-label="Attach files" title="Attach files"
        onClick={() => input.current?.click()}>
        <PaperclipIcon />
      </button>
      <input ref={input} type="file" multiple hidden data-testid="file-input"
        onChange={(event) => {
          const chosen = Array.from(event.currentTarget.files ?? []);
          event.currentTarget.value = ""; // the same file can be chosen again
          if (chosen.length) onFiles(chosen);
        }} />
    </>
  );
}
