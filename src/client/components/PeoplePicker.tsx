import { useState } from "react";
import type { UserWithPresence } from "../../protocol/index.js";
import type { ChatState } from "../state/chat.js";
import { usePeopleSearch } from "../usePeopleSearch.js";
import { Avatar } from "./Avatar.js";

/** Choose several people: a name filter over known people and the server's search, with checkboxes. */
export function PeoplePicker({ state, selected, onChange, exclude = [], label = "Add people" }: {
  state: ChatState;
  selected: readonly UserWithPresence[];
  onChange: (people: UserWithPresence[]) => void;
  exclude?: readonly number[];
  label?: string;
}) {
  const [query, setQuery] = useState("");
  const { people, searching } = usePeopleSearch(state, query);
  const shown = people.filter((p) => !exclude.includes(p.id)).slice(0, 50);
  const isOn = (id: number) => selected.some((p) => p.id === id);
  const toggle = (user: UserWithPresence) =>
    onChange(isOn(user.id) ? selected.filter((p) => p.id !== user.id) : [...selected, user]);
  return (
    <div className="picker">
      <input type="search" className="filter" placeholder="Find people by name" aria-label={label}
        value={query} onChange={(e) => setQuery(e.target.value)} />
      {selected.length > 0 && (
        <ul className="picker__chosen" aria-label="Chosen">
          {selected.map((p) => (
            <li key={p.id}>
              <button type="button" className="chip chip--on" onClick={() => toggle(p)} aria-label={`Remove ${p.username}`}>
                <Avatar name={p.username} id={p.id} size={20} />{p.username} <span aria-hidden="true">✕</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <ul className="picker__list">
        {shown.length === 0 && <li className="muted small pad">{searching ? "Searching…" : query ? `Nobody called “${query.trim()}”.` : "Type a name to find people."}</li>}
        {shown.map((p) => (
          <li key={p.id}>
            <label className="picker__row">
              <input type="checkbox" checked={isOn(p.id)} onChange={() => toggle(p)} />
              <Avatar name={p.username} id={p.id} size={26} online={p.online} />
              <span className="row__name">{p.username}</span>
            </label>
          </li>
        ))}
      </ul>
    </div>
  );
}
