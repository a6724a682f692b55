import { useCallback, useEffect, useRef, type MouseEvent, type RefObject } from "react";

/**
 * A native `<dialog>` shown modal for as long as the component is mounted: the browser keeps focus
 * inside and makes the page behind inert; Escape (the dialog's cancel) and a click on the backdrop
 * call `onClose`, the latest one given; focus goes back to what opened it when it closes.
 * Focus starts on the element marked `data-autofocus` (e.g. a dialog's text field), else on the
 * first focusable one: React's `autoFocus` runs while the dialog is still closed (hidden, so
 * unfocusable), and showModal() then picks the first focusable, often the Close button.
 */
export function useModalDialog(onClose: () => void): {
  ref: RefObject<HTMLDialogElement | null>;
  close: () => void;
  onBackdropClick: (event: MouseEvent<HTMLDialogElement>) => void;
} {
  const ref = useRef<HTMLDialogElement>(null);
  const latest = useRef(onClose);
  latest.current = onClose;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    dialog.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    // The cancel is ours to decide: the owner unmounts the dialog (it may keep it open instead).
    const onCancel = (event: Event) => {
      event.preventDefault();
      latest.current();
    };
    dialog.addEventListener("cancel", onCancel);
    return () => {
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
      opener?.focus();
    };
  }, []);
  const close = useCallback(() => latest.current(), []);
  // A click on the dialog element itself is a click on its backdrop.
  const onBackdropClick = useCallback((event: MouseEvent<HTMLDialogElement>) => {
    if (event.target === ref.current) latest.current();
  }, []);
  return { ref, close, onBackdropClick };
}
