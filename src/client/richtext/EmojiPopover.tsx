import { Suspense, lazy, useEffect, useRef, useState, type ReactNode } from "react";

const EmojiPickerPanel = lazy(() => import("./EmojiPickerPanel.js"));

interface Props {
  /** The button's accessible name, e.g. "Add emoji" or "Add reaction". */
  label: string;
  /** What the button shows. */
  children: ReactNode;
  className?: string;
  onPick: (emoji: string) => void;
  /** Which way the panel opens from the button. */
  placement?: "above" | "below";
}

/**
 * A button that opens the emoji picker in a small panel; Escape or a click outside closes it,
 * and focus returns to the button. The picker's code and data load on first open.
 */
export function EmojiPopover({ label, children, className = "", onPick, placement = "above" }: Props) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", onDown);
    return () => document.removeEventListener("pointerdown", onDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  return (
    <div className={`emoji-popover ${className}`} ref={root}
      onKeyDown={(e) => { if (e.key === "Escape" && open) { e.stopPropagation(); close(); } }}>
      <button ref={button} type="button" className="icon-button" aria-label={label} title={label}
        aria-expanded={open} aria-haspopup="dialog" onClick={() => setOpen((o) => !o)}>{children}</button>
      {open && (
        <div className={`emoji-popover__panel emoji-popover__panel--${placement}`} role="dialog" aria-label={label}>
          <Suspense fallback={<p className="emoji-picker__note">Loading…</p>}>
            <EmojiPickerPanel label={label} onPick={(emoji) => { onPick(emoji); close(); }} />
          </Suspense>
        </div>
      )}
    </div>
  );
}
