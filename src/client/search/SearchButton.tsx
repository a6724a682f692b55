import { SearchIcon } from "../components/Icons.js";
import "./search.css";

/** The search box of the sidebar's header: opens the search panel (as Ctrl/Cmd+K does). */
export function SearchButton({ onOpen }: { onOpen: () => void }) {
  return (
    <button type="button" className="search-open" onClick={onOpen} aria-keyshortcuts="Control+K Meta+K">
      <SearchIcon /> Search messages <kbd>Ctrl K</kbd>
    </button>
  );
}
