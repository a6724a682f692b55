import { useState } from "react";
import { thumbnailPath, type LinkPreview } from "../../protocol/index.js";
import { LINK_REL, safeHref } from "../richtext/links.js";
import { removeLinkPreviews } from "./api.js";
import { fitImage } from "./layout.js";

/**
 * The link previews under a message: site, title, description and the image the server stored
 * (never loaded from the linked site). Text only. The author may remove them.
 */
export function LinkPreviewCards({ roomId, messageId, previews, mine }: { roomId: string; messageId: string; previews: readonly LinkPreview[]; mine: boolean }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const cards = previews.flatMap((preview) => {
    const href = safeHref(preview.url);
    return href ? [{ preview, href }] : [];
  });
  if (cards.length === 0) return null;
  const remove = () => {
    setBusy(true);
    removeLinkPreviews(roomId, messageId)
      .then(() => setError(null))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : "Could not remove the previews"))
      .finally(() => setBusy(false));
  };
  return (
    <div className="link-previews">
      {cards.map(({ preview, href }) => {
        const image = preview.image ? fitImage(preview.image.width, preview.image.height, { width: 96, height: 96 }) : null;
        return (
          <a key={preview.url} className="link-preview" href={href} target="_blank" rel={LINK_REL}>
            {preview.image && image && (
              <img className="link-preview__image" src={thumbnailPath(roomId, preview.image.id)} alt=""
                width={image.width} height={image.height} loading="lazy" />
            )}
            <span className="link-preview__text">
              {preview.site && <span className="link-preview__site small muted">{preview.site}</span>}
              {preview.title && <span className="link-preview__title">{preview.title}</span>}
              {preview.description && <span className="link-preview__description small">{preview.description}</span>}
            </span>
          </a>
        );
      })}
      {mine && (
        <button type="button" className="link small link-previews__remove" disabled={busy} onClick={remove}>
          Remove {cards.length === 1 ? "preview" : "previews"}
        </button>
      )}
      {error && <p className="small error" role="alert">{error}</p>}
    </div>
  );
}
