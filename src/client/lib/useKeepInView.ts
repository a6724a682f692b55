import { useEffect, type RefObject } from "react";

/** Space left between what is shown and the edge of the list when it is scrolled into view. */
const MARGIN_PX = 8;

/**
 * Keeps an element (a message's editor) wholly in view in the list it scrolls in: when it mounts
 * (if `onMount`), whenever it grows, and when the list is seen through less of the screen (an
 * on-screen keyboard: the page shrinking, or only the visual viewport) while the focus is in it.
 * The list is scrolled by as little as shows it all, and only when part of it is hidden; taller
 * than the list, its end (where its buttons are) is shown. A row that grows at the end of a
 * windowed list is not followed by the list (react-virtuoso follows new rows and a shrinking
 * viewport, not a last row growing), which left an editor's Save under the composer.
 */
export function useKeepInView(ref: RefObject<HTMLElement | null>, onMount: boolean): void {
  useEffect(() => {
    const el = ref.current;
    const scroller = el ? scrollingAncestor(el) : null;
    if (!el || !scroller || typeof ResizeObserver === "undefined") return;
    const focusedInside = () => el.contains(document.activeElement);
    let height = -1;
    const grew = new ResizeObserver(() => {
      const now = el.getBoundingClientRect().height;
      // The first report is the mount.
      const first = height < 0;
      if (now > height && (first ? onMount : focusedInside())) reveal(el, scroller);
      height = now;
    });
    grew.observe(el);
    let listHeight = scroller.clientHeight;
    const shrank = new ResizeObserver(() => {
      const now = scroller.clientHeight;
      if (now < listHeight && focusedInside()) reveal(el, scroller);
      listHeight = now;
    });
    shrank.observe(scroller);
    const viewport = window.visualViewport;
    const viewportChanged = () => { if (focusedInside()) reveal(el, scroller); };
    viewport?.addEventListener("resize", viewportChanged);
    return () => {
      grew.disconnect();
      shrank.disconnect();
      viewport?.removeEventListener("resize", viewportChanged);
    };
  }, [ref, onMount]);
}

/** Scrolls `scroller` so that `el` is wholly in its visible part, if it is not. */
function reveal(el: HTMLElement, scroller: HTMLElement): void {
  const box = scroller.getBoundingClientRect();
  let top = box.top + scroller.clientTop;
  let bottom = top + scroller.clientHeight;
  // An on-screen keyboard that only shrinks the visual viewport covers the bottom of the page.
  const viewport = window.visualViewport;
  if (viewport) {
    top = Math.max(top, viewport.offsetTop);
    bottom = Math.min(bottom, viewport.offsetTop + viewport.height);
  }
  if (bottom <= top) return;
  const r = el.getBoundingClientRect();
  const room = bottom - top;
  let delta = 0;
  if (r.bottom > bottom + 0.5 || r.height > room) delta = r.bottom - bottom + Math.min(MARGIN_PX, Math.max(0, room - r.height));
  else if (r.top < top - 0.5) delta = r.top - top - Math.min(MARGIN_PX, room - r.height);
  if (delta !== 0) scroller.scrollTop += delta;
}

function scrollingAncestor(el: HTMLElement): HTMLElement | null {
  for (let node = el.parentElement; node; node = node.parentElement) {
    const { overflowY } = getComputedStyle(node);
    if (overflowY === "auto" || overflowY === "scroll") return node;
  }
  return null;
}
