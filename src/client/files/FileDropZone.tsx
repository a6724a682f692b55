import { useRef, useState, type DragEvent, type ReactNode } from "react";

const carriesFiles = (event: DragEvent) => Array.from(event.dataTransfer.types).includes("Files");

/**
 * Files dragged over the conversation can be dropped anywhere on it: while they hover, it says so.
 * Drags that carry no files (text, links) are left alone.
 */
export function FileDropZone({ onFiles, children, enabled = true }: { onFiles: (files: File[]) => void; children: ReactNode; enabled?: boolean }) {
  const [over, setOver] = useState(false);
  // dragenter/dragleave fire for every child crossed: count them.
  const depth = useRef(0);
  const hasFiles = (event: DragEvent) => enabled && carriesFiles(event);
  return (
    <div className={`drop-zone${over ? " drop-zone--over" : ""}`}
      onDragEnter={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        depth.current++;
        setOver(true);
      }}
      onDragOver={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
      }}
      onDragLeave={(event) => {
        if (!hasFiles(event)) return;
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      }}
      onDrop={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        depth.current = 0;
        setOver(false);
        const files = Array.from(event.dataTransfer.files);
        if (files.length) onFiles(files);
      }}>
      {children}
      {over && <div className="drop-zone__hint" aria-hidden="true"><span>Drop files to share them here</span></div>}
    </div>
  );
}
