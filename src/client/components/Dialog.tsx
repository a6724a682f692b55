import { useId, type ReactNode } from "react";
import { useModalDialog } from "../lib/useModalDialog.js";

/**
 * A modal dialog on the native `<dialog>` (see useModalDialog: focus kept inside and given back,
 * Escape closes, the page behind inert).
 * Full screen on a phone (styles.css). `onClose` runs however it is closed. `top`: held near the
 * top of a desktop screen rather than centred, for content that grows under a field being typed in.
 */
export function Dialog({ title, onClose, children, wide, top, footer }: {
  title: string; onClose: () => void; children: ReactNode; wide?: boolean; top?: boolean; footer?: ReactNode;
}) {
  const { ref, close, onBackdropClick } = useModalDialog(onClose);
  const titleId = useId();
  return (
    <dialog ref={ref} className={`dialog${wide ? " dialog--wide" : ""}${top ? " dialog--top" : ""}`} aria-labelledby={titleId} onClick={onBackdropClick}>
      <div className="dialog__frame">
        <header className="dialog__head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="icon-button" aria-label="Close" onClick={close}>✕</button>
        </header>
        <div className="dialog__body">{children}</div>
        {footer && <footer className="dialog__foot">{footer}</footer>}
      </div>
    </dialog>
  );
}

/** An error from an action, as a person reads it. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
