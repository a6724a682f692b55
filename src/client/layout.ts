/** Phone layout: the chat list and the room are two screens (the same breakpoint as styles.css). */
export function isPhoneLayout(): boolean {
  return typeof matchMedia === "function" && matchMedia("(max-width: 720px)").matches;
}
