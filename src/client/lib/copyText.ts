/**
 * Puts text on the clipboard. The Clipboard API exists only in a secure context (HTTPS or
 * localhost): a place served over plain HTTP on a LAN address (http://chat.lan:3000, a common
 * self-hosted setup) has no `navigator.clipboard`, so there the text is copied from a hidden field
 * with the older `execCommand("copy")`. Rejects when neither copies, so the caller can say so
 * rather than seem to have copied.
 */
export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Refused (no permission, the document not focused): try the older way below.
    }
  }
  // Inside a modal <dialog> (a phone's action sheet) the page behind is inert: a field there
  // could not be selected, so the field goes in the dialog that has the focus.
  const host = document.activeElement?.closest("dialog") ?? document.body;
  const field = document.createElement("textarea");
  field.value = text;
  field.readOnly = true;
  field.setAttribute("aria-hidden", "true");
  field.style.position = "fixed";
  field.style.top = "0";
  field.style.left = "0";
  field.style.opacity = "0";
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  host.appendChild(field);
  field.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } finally {
    field.remove();
    focused?.focus({ preventScroll: true });
  }
  if (!copied) throw new Error("Could not copy: copy the address from the address bar");
}
