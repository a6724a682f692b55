import { useState } from "react";
import { attachmentPath, INLINE_IMAGE_TYPES, thumbnailPath, type Attachment } from "../../protocol/index.js";
import { FileKindIcon, fileKindLabel } from "./FileIcons.js";
import { ImageViewer } from "./ImageViewer.js";
import { fitImage, imageBox } from "./layout.js";
import { formatBytes } from "./uploads.js";

/**
 * A message's files: raster images inline at their aspect ratio (sized from the record before they
 * load, the thumbnail first), opening full size in the viewer; every other file as a card with an
 * icon, its name and size, that downloads it.
 */
export function MessageAttachments({ roomId, attachments, sentBy }: {
  roomId: string;
  attachments: readonly Attachment[];
  /** Who shared them and when, for the viewer's title bar. */
  sentBy?: string;
}) {
  const [viewing, setViewing] = useState<number | null>(null);
  const images = attachments.filter((a) => INLINE_IMAGE_TYPES.includes(a.type));
  const others = attachments.filter((a) => !INLINE_IMAGE_TYPES.includes(a.type));
  const box = imageBox(images.length);
  return (
    <div className="attachments">
      {images.length > 0 && (
        <div className="attachments__images">
          {images.map((image, i) => {
            const size = fitImage(image.width, image.height, box);
            return (
              <button key={image.id} type="button" className="attachment-image" onClick={() => setViewing(i)}
                style={{ width: size.width, aspectRatio: `${size.width} / ${size.height}` }}
                aria-label={`Open ${image.name} (${formatBytes(image.size)})`}>
                <img src={image.thumbnail ? thumbnailPath(roomId, image.id) : attachmentPath(roomId, image.id)} alt=""
                  width={size.width} height={size.height} loading="lazy" decoding="async" />
              </button>
            );
          })}
        </div>
      )}
      {others.map((file) => (
        <a key={file.id} className="file-card" href={attachmentPath(roomId, file.id)} download={file.name}
          aria-label={`Download ${file.name} (${formatBytes(file.size)})`}>
          <FileKindIcon label={fileKindLabel(file.name, file.type)} />
          <span className="file-card__text">
            <span className="file-card__name">{file.name}</span>
            <span className="file-card__size small muted">{formatBytes(file.size)}</span>
          </span>
        </a>
      ))}
      {viewing !== null && <ImageViewer roomId={roomId} images={images} start={viewing} sentBy={sentBy} onClose={() => setViewing(null)} />}
    </div>
  );
}
