import { useId, useState, type ReactNode } from "react";
import { useModalDialog } from "../lib/useModalDialog.js";

/**
 * Asks before something that cannot be undone: a small modal `alertdialog` (on the native
 * `<dialog>`, over whatever dialog opened it) whose focus starts on Cancel, so Enter or Escape
 * does nothing harmful. `onConfirm` may fail: its error shows here and the dialog stays.
 */
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel }: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onCancel: () => void;
}) {
  const { ref, onBackdropClick } = useModalDialog(onCancel);
  const titleId = useId();
  const bodyId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} className="dialog dialog--confirm" role="alertdialog" aria-labelledby={titleId} aria-describedby={bodyId} onClick={onBackdropClick}>
      <div className="dialog__frame">
        <h2 id={titleId} className="dialog--confirm__title">{title}</h2>
        <div id={bodyId} className="dialog--confirm__body">{children}</div>
        {error && <p className="error" role="alert">{error}</p>}
        <div className="form__actions">
          <button type="button" className="ghost" data-autofocus onClick={onCancel}>Cancel</button>
          <button type="button" className="danger" disabled={busy} onClick={() => void confirm()}>{busy ? "Working…" : confirmLabel}</button>
        </div>
      </div>
    </dialog>
  );
}
