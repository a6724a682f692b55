import { useEffect, useMemo, useState } from "react";
import type { UserWithPresence } from "../../protocol/index.js";
import { api } from "../api.js";
import type { ChatState } from "../state/chat.js";
import { Avatar } from "./Avatar.js";

/** Everyone we know of (online users, senders, search hits), online first, filtered by name. */
export function PeopleList({ state, onOpen }: { state: ChatState; onOpen: (user: UserWithPresence) => Promise<void> }) {
  const [filter, setFilter] = useState("");
  const [found, setFound] = useState<UserWithPresence[]>([]);
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const query = filter.trim();

  useEffect(() => {
    if (!query) {
      setFound([]);
      return;
    }
    let cancelled = false;
    setSearching(true);
    const timer = setTimeout(() => {
      api.search(query).then(
        (users) => !cancelled && setFound(users),
        // Search is optional on the server: without it, the filter works on people already known.
        () => !cancelled && setFound([]),
      ).finally(() => !cancelled && setSearching(false));
    }, 200);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [query]);

  const people = useMemo(() => {
    const byId = new Map<number, UserWithPresence>();
    for (const u of found) byId.set(u.id, u);
    for (const u of Object.values(state.users)) byId.set(u.id, u);
    const needle = query.toLowerCase();
    return [...byId.values()]
      .filter((u) => u.id !== state.me.id && (!needle || u.username.toLowerCase().includes(needle)))
      .sort((a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username));
  }, [found, state.users, state.me.id, query]);

  const open = async (user: UserWithPresence) => {
    setError(null);
    try {
      await onOpen(user);
    } catch (e) {
      setError(e instanceof Error ? e.message : "Could not open the conversation");
    }
  };

  return (
    <section className="people" aria-labelledby="people-title">
      <h2 className="section-title" id="people-title">People</h2>
      <div className="pad">
        <input type="search" className="filter" placeholder="Find people by name" aria-label="Filter people"
          value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      {error && <p className="error pad" role="alert">{error}</p>}
      {people.length === 0 ? (
        <p className="muted pad">{searching ? "Searching…" : query ? `Nobody called “${query}”.` : "Nobody else is online right now."}</p>
      ) : (
        <ul className="list">
          {people.map((user) => (
            <li key={user.id}>
              <button type="button" className="row row--person" onClick={() => void open(user)}
                aria-labelledby={`person-${user.id}`} aria-describedby={`person-state-${user.id}`}>
                <Avatar name={user.username} size={30} online={user.online} />
                <span className="row__name" id={`person-${user.id}`}>{user.username}</span>
                <span className="row__status" id={`person-state-${user.id}`}>{user.online ? "online" : "offline"}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
