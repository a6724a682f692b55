import { useEffect, useId, useState, type KeyboardEvent } from "react";
import { shownName } from "../profile/api.js";
import { usePeopleDirectory } from "../profile/usePeopleDirectory.js";
import type { UserWithPresence } from "../../protocol/index.js";
import type { ChatState } from "../state/chat.js";
import { unlisted } from "../state/people.js";
import { Avatar } from "./Avatar.js";

/**
 * Choose several people: a name filter over the people directory (as the People list: banned,
 * deactivated people and bots are left out by the server, and leave live when it happens while
 * the picker is open), with checkboxes. In the filter, the arrow keys move the highlight and Enter
 * adds (or removes) the highlighted person: it never submits the form around it.
 */
export function PeoplePicker({ state, selected, onChange, exclude = [], label = "Add people" }: {
  state: ChatState;
  selected: readonly UserWithPresence[];
  onChange: (people: UserWithPresence[]) => void;
  exclude?: readonly number[];
  label?: string;
}) {
  const [query, setQuery] = useState("");
  const { people, searching, hasMore, more } = usePeopleDirectory(state, query);
  const shown = people.filter((p) => !exclude.includes(p.id));
  // Someone chosen who is banned or deactivated meanwhile cannot be added: they leave the choice too.
  const hidden = unlisted(state);
  const gone = selected.filter((p) => hidden.includes(p.id));
  useEffect(() => {
    if (gone.length > 0) onChange(selected.filter((p) => !unlisted(state).includes(p.id)));
  }, [gone.length, selected, state, onChange]);
  const [highlight, setHighlight] = useState(0);
  const hintId = useId();
  const current = shown[Math.min(highlight, shown.length - 1)];
  const isOn = (id: number) => selected.some((p) => p.id === id);
  const toggle = (user: UserWithPresence) =>
    onChange(isOn(user.id) ? selected.filter((p) => p.id !== user.id) : [...selected, user]);
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      setHighlight((i) => (shown.length === 0 ? 0 : (Math.min(i, shown.length - 1) + step + shown.length) % shown.length));
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (current && query.trim()) toggle(current);
    }
  };
  return (
    <div className="picker">
      <input type="search" className="filter" placeholder="Find people by name" aria-label={label}
        aria-describedby={current && query.trim() ? hintId : undefined}
        value={query} onChange={(e) => { setQuery(e.target.value); setHighlight(0); }} onKeyDown={onKey} />
      {current && query.trim() && (
        <p id={hintId} className="muted small" aria-live="polite">Enter {isOn(current.id) ? "removes" : "adds"} {shownName(current)}</p>
      )}
      {selected.length > 0 && (
        <ul className="picker__chosen" aria-label="Chosen">
          {selected.map((p) => (
            <li key={p.id}>
              {/* Only the name is text (the ✕ is drawn by CSS): "Remove Ann" contains what is seen (WCAG 2.5.3). */}
              <button type="button" className="chip chip--on chip--remove" onClick={() => toggle(p)} aria-label={`Remove ${shownName(p)}`}>
                {shownName(p)}
              </button>
            </li>
          ))}
        </ul>
      )}
      <ul className="picker__list">
        {shown.length === 0 && <li className="muted small pad">{searching ? "Searching…" : query ? `Nobody called “${query.trim()}”.` : "Type a name to find people."}</li>}
        {shown.map((p) => (
          <li key={p.id}>
            <label className={`picker__row${p === current && query.trim() ? " picker__row--active" : ""}`}>
              <input type="checkbox" checked={isOn(p.id)} onChange={() => toggle(p)} />
              <Avatar name={shownName(p)} id={p.id} size={26} online={p.online} />
              <span className="row__name">{shownName(p)}</span>
            </label>
          </li>
        ))}
      </ul>
      {hasMore && <button type="button" className="ghost ghost--small" onClick={more}>More people</button>}
    </div>
  );
}
