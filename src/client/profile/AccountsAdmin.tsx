import { useEffect, useRef, useState } from "react";
import type { AdminUser } from "../../protocol/index.js";
import { Avatar } from "../components/Avatar.js";
import { errorText } from "../components/Dialog.js";
import { profileApi, shownName } from "./api.js";
import { onProfile } from "./bus.js";
import { useOpenProfile } from "./ProfileCardContext.js";
import { DemoAccountsNotice } from "./DemoAccountsNotice.js";

/**
 * Every account (administrators): search, filter by role and state, page; a row opens the profile
 * card's actions. Kept current: a listed account changed anywhere (`user.profile`, or this admin's
 * own actions) is replaced in place; a new one, or a `reloadKey` change (an account created here),
 * fetches the list again.
 */
export function AccountsAdmin({ reloadKey }: { reloadKey?: unknown } = {}) {
  const [q, setQ] = useState("");
  const [role, setRole] = useState("");
  const [state, setState] = useState("");
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const openProfile = useOpenProfile();
  const [version, setVersion] = useState(0);
  const shown = useRef({ users, filtered: false });
  shown.current = { users, filtered: role !== "" || state !== "" };
  useEffect(() => onProfile((profile) => {
    const { users: list, filtered } = shown.current;
    if (list === null) return;
    // Someone new, or a change that may move them in or out of a role/state filter: ask again.
    if (filtered || !list.some((u) => u.id === profile.id)) return setVersion((v) => v + 1);
    // A user.profile carries no ban flag: the row keeps its own.
    setUsers((rows) => rows && rows.map((u) => (u.id === profile.id ? { ...u, ...profile } : u)));
  }), []);
  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      profileApi.accounts({ q: q.trim(), role, state }).then((page) => {
        if (cancelled) return;
        setUsers(page.users);
        setNext(page.nextCursor);
      }, (e: unknown) => setError(errorText(e)));
    }, 200);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [q, role, state, version, reloadKey]);
  const more = () => {
    if (!next) return;
    profileApi.accounts({ q: q.trim(), role, state, cursor: next }).then((page) => {
      setUsers((list) => [...(list ?? []), ...page.users]);
      setNext(page.nextCursor);
    }, (e: unknown) => setError(errorText(e)));
  };
  return (
    <section aria-label="All accounts" className="admin__section">
      <DemoAccountsNotice />
      <div className="settings__row">
        <input type="search" className="filter" placeholder="Find accounts" aria-label="Find accounts" value={q} onChange={(e) => setQ(e.target.value)} />
        <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value)}>
          <option value="">Any role</option><option value="admin">Administrators</option><option value="member">Members</option><option value="bot">Bots</option>
        </select>
        <select aria-label="State" value={state} onChange={(e) => setState(e.target.value)}>
          <option value="">Any state</option><option value="active">Active</option><option value="deactivated">Deactivated</option><option value="banned">Banned</option>
        </select>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {users === null ? (!error && <p className="muted" role="status">Loading…</p>) : (
        <ul className="admin__list" aria-label="Accounts">
          {users.map((user) => (
            <li key={user.id} className="admin__item">
              <Avatar name={shownName(user)} id={user.id} size={28} online={user.online} src={user.avatarUrl} />
              <span className="row__name">{shownName(user)} <span className="muted small">@{user.username}</span></span>
              <span className="muted small">{[user.role, user.deactivated ? "deactivated" : "", user.banned ? "banned" : ""].filter(Boolean).join(" · ")}</span>
              <button type="button" className="ghost ghost--small" onClick={() => openProfile(user.id)}>Manage {user.username}</button>
            </li>
          ))}
        </ul>
      )}
      {next && <button type="button" className="ghost" onClick={more}>More</button>}
    </section>
  );
}
