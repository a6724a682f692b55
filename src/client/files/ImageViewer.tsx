import { useState } from "react";
import { attachmentPath, type Attachment } from "../../protocol/index.js";
import { useModalDialog } from "../lib/useModalDialog.js";
import { formatBytes } from "./uploads.js";

/**
 * One message's images at full size, in a modal dialog: Left/Right go to the previous/next one,
 * Escape closes, focus stays inside while it is open and goes back to what opened it (useModalDialog).
 */
export function ImageViewer({ roomId, images, start, sentBy, onClose }: {
  roomId: string;
  images: readonly Attachment[];
  start: number;
  /** Who shared the images and when ("Bob · Dec 6, 2026, 8:03 PM"), shown under the name. */
  sentBy?: string;
  onClose: () => void;
}) {
  const { ref, close, onBackdropClick } = useModalDialog(onClose);
  const [index, setIndex] = useState(start);
  const image = images[index]!;

  const go = (step: number) => setIndex((i) => (i + step + images.length) % images.length);

  return (
    <dialog ref={ref} className="viewer" aria-label={`${image.name} (${index + 1} of ${images.length})`}
      onKeyDown={(event) => {
        if (images.length > 1 && event.key === "ArrowRight") { event.preventDefault(); go(1); }
        if (images.length > 1 && event.key === "ArrowLeft") { event.preventDefault(); go(-1); }
      }}
      onClick={onBackdropClick}>
      <div className="viewer__bar">
        <span className="viewer__title">
          <span className="viewer__name" title={image.name}>{image.name}</span>
          {sentBy && <span className="viewer__sender small">{sentBy}</span>}
        </span>
        <span className="viewer__meta small">{images.length > 1 ? `${index + 1} of ${images.length} · ` : ""}{formatBytes(image.size)}</span>
        <a className="ghost viewer__download" href={attachmentPath(roomId, image.id)} download={image.name}>Download</a>
        <button type="button" className="icon-button viewer__close" aria-label="Close" data-autofocus onClick={close}>✕</button>
      </div>
      <div className="viewer__stage">
        {images.length > 1 && <button type="button" className="viewer__nav viewer__nav--prev" aria-label="Previous image" onClick={() => go(-1)}>‹</button>}
        <img key={image.id} className="viewer__image" src={attachmentPath(roomId, image.id)} alt={image.name}
          width={image.width} height={image.height} />
        {images.length > 1 && <button type="button" className="viewer__nav viewer__nav--next" aria-label="Next image" onClick={() => go(1)}>›</button>}
      </div>
    </dialog>
  );
}
