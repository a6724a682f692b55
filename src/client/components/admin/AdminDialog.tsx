import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { Username, type AdminUser, type AuditEntry, type Invite } from "../../../protocol/index.js";
import { api, ApiError } from "../../api.js";
import type { ChatState } from "../../state/chat.js";
import { Avatar } from "../Avatar.js";
import { Dialog, errorText } from "../Dialog.js";
import { AccountsAdmin } from "../../profile/AccountsAdmin.js";
import { profileApi, shownName } from "../../profile/api.js";
import { onBan, onProfile } from "../../profile/bus.js";
import { PlaceSettingsForm } from "../../setup/PlaceSettingsForm.js";
import { useNow } from "../../lib/useNow.js";
import { dateTime } from "../../lib/time.js";
import { CopyLink } from "../CopyLink.js";
import "./admin.css";
import { auditSentence, type AuditNameOf, type AuditSentence } from "./auditText.js";
import { BanConfirm } from "./BanConfirm.js";
import { LiftBanButton } from "./LiftBan.js";

export type AdminTab = "place" | "invites" | "accounts" | "people" | "audit";
type Tab = AdminTab;


function Invitations() {
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [maxUses, setMaxUses] = useState("1");
  const [hours, setHours] = useState("168");
  const load = useCallback(() => {
    api.invites().then(setInvites, (e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(load, [load]);
  // A maker banned, deactivated or back again: their invitations are suspended or usable again.
  const makers = useRef(new Set<number>());
  makers.current = new Set((invites ?? []).map((i) => i.createdBy));
  useEffect(() => {
    const offBan = onBan(({ id }) => makers.current.has(id) && load());
    const offProfile = onProfile((profile) => makers.current.has(profile.id) && load());
    return () => { offBan(); offProfile(); };
  }, [load]);

  const create = async () => {
    setError(null);
    try {
      const invite = await api.createInvite({ maxUses: maxUses === "unlimited" ? null : Number(maxUses), expiresInHours: Number(hours) });
      setInvites((list) => [invite, ...(list ?? []).filter((i) => i.code !== invite.code)]);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const revoke = async (code: string) => {
    setError(null);
    try {
      await api.revokeInvite(code);
      setInvites((list) => (list ?? []).filter((i) => i.code !== code));
    } catch (e) {
      // Revoked elsewhere (another administrator) or expired meanwhile: it is gone all the same.
      if (e instanceof ApiError && e.status === 404) setInvites((list) => (list ?? []).filter((i) => i.code !== code));
      setError(errorText(e));
    }
  };

  return (
    <section aria-label="Invitations" className="admin__section">
      <p className="muted small">When the place is by invitation (Place tab), a new name signs up only with an invitation link.</p>
      <div className="admin__create">
        <label className="field field--inline">
          <span>Uses</span>
          <select value={maxUses} onChange={(e) => setMaxUses(e.target.value)}>
            <option value="1">Once</option>
            <option value="10">10 people</option>
            <option value="100">100 people</option>
            <option value="unlimited">Unlimited</option>
          </select>
        </label>
        <label className="field field--inline">
          <span>Expires in</span>
          <select value={hours} onChange={(e) => setHours(e.target.value)}>
            <option value="24">1 day</option>
            <option value="168">1 week</option>
            <option value="720">30 days</option>
          </select>
        </label>
        <button type="button" className="primary" onClick={() => void create()}>Create invitation link</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {invites === null ? (!error && <p className="muted" role="status">Loading…</p>) : invites.length === 0 ? (
        <p className="muted">No invitation link is open. Create one, copy it and send it to the people you want here: it opens this place's sign-up with the invitation filled in.</p>
      ) : (
        <ul className="admin__list" aria-label="Invitation links">
          {invites.map((invite) => (
            <li key={invite.code} className={invite.suspended ? "admin__item invite--suspended" : "admin__item"}>
              <div className="admin__item-main">
                {invite.suspended ? (
                  // Not offered for copying: it admits nobody while its maker is out.
                  <span className="small bans__state">{suspendedText(invite.suspended)}</span>
                ) : (
                  <CopyLink url={absolute(invite.url)} label="Invitation link" />
                )}
                <span className="muted small">
                  {invite.uses} of {invite.maxUses ?? "unlimited"} used · expires {dateTime(invite.expiresAt)}
                </span>
              </div>
              <button type="button" className="danger-ghost ghost--small" onClick={() => void revoke(invite.code)} aria-label={`Revoke ${invite.code}`}>Revoke</button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Why a listed invitation admits nobody now, and what gives it back. */
function suspendedText({ makerName, because }: NonNullable<Invite["suspended"]>): string {
  return because === "banned"
    ? `Not usable: made by ${makerName}, who is banned. It works again if the ban is lifted.`
    : `Not usable: made by ${makerName}, whose account is deactivated. It works again if they are reactivated.`;
}

/**
 * "Banned Dec 6, 2026, 11:16 AM by ana — spamming", as much of it as is known. A ban made before
 * when, by whom and why were kept (the server sends no `ban`) says so, rather than look unexplained.
 */
function banText(user: AdminUser, name: (id: number) => string | undefined): string {
  if (!user.ban) return "Banned before details were kept";
  const by = name(user.ban.by);
  return `Banned ${dateTime(user.ban.at)}${by ? ` by ${by}` : ""}${user.ban.reason ? ` — ${user.ban.reason}` : ""}`;
}

/**
 * Bans: every account from the server's account list (whether or not this tab has seen them),
 * searched by name, or only the banned ones; who is banned says when, by whom and why, with
 * "Lift ban" right there. Kept live: a ban or lift anywhere reads the row again.
 */
function Bans({ state, onOpenPlace }: { state: ChatState; onOpenPlace: () => void }) {
  const [query, setQuery] = useState("");
  const [only, setOnly] = useState<"" | "banned">("");
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  // A ban is asked for first (BanConfirm: its reason, and the links still open).
  const [confirming, setConfirming] = useState<number | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);
  const q = query.trim();
  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      profileApi.accounts({ q, state: only }).then((page) => {
        if (cancelled) return;
        setError(null);
        setUsers(page.users);
        setNext(page.nextCursor);
      }, (e: unknown) => !cancelled && setError(errorText(e)));
    }, q ? 200 : 0);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [q, only, version]);
  const more = () => {
    if (!next) return;
    profileApi.accounts({ q, state: only, cursor: next }).then((page) => {
      setUsers((list) => [...(list ?? []), ...page.users]);
      setNext(page.nextCursor);
    }, (e: unknown) => setError(errorText(e)));
  };
  // One person's row read again (by their name: the account list has no single-account read).
  const shown = useRef({ users, only });
  shown.current = { users, only };
  const reread = useCallback((id: number, username: string) => {
    if (shown.current.only === "banned") return setVersion((v) => v + 1);
    if (!shown.current.users?.some((u) => u.id === id)) return;
    profileApi.accounts({ q: username }).then((page) => {
      const fresh = page.users.find((u) => u.id === id);
      if (fresh) setUsers((list) => list && list.map((u) => (u.id === id ? fresh : u)));
    }, () => {});
  }, []);
  useEffect(() => {
    const offBan = onBan(({ id, username }) => reread(id, username));
    // A user.profile carries no ban: the row keeps its own.
    const offProfile = onProfile((profile) => setUsers((list) => list && list.map((u) => (u.id === profile.id ? { ...u, ...profile } : u))));
    return () => { offBan(); offProfile(); };
  }, [reread]);
  const banUser = async (user: AdminUser, reason?: string, revokeInvitations = false) => {
    setError(null);
    setRevoked(null);
    try {
      const ban = await api.ban(user.id, { reason: reason?.trim() || undefined, revokeInvitations });
      if (ban.invitationsRevoked !== undefined) setRevoked(`${user.username} is banned, and ${ban.invitationsRevoked === 1 ? "1 invitation link was" : `${ban.invitationsRevoked} invitation links were`} revoked.`);
      setConfirming(null);
      reread(user.id, user.username);
    } catch (e) {
      setError(errorText(e));
    }
  };
  // Who banned, by the name they show (as the audit log says it).
  const name = (id: number) => {
    const person = state.users[id];
    return person ? shownName(person) : id === state.me.id ? state.me.username : undefined;
  };
  return (
    <section aria-label="Bans" className="admin__section">
      <p className="muted small">A ban signs the person out everywhere, refuses their sign-in and hides them from search. Lift it here or from the audit log.</p>
      <div className="settings__row bans__filters">
        <input type="search" className="filter" placeholder="Find people by name" aria-label="Find people by name"
          value={query} onChange={(e) => setQuery(e.target.value)} />
        <select aria-label="Show" value={only} onChange={(e) => setOnly(e.target.value === "banned" ? "banned" : "")}>
          <option value="">Everyone</option>
          <option value="banned">Banned only</option>
        </select>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {revoked && <p className="ok" role="status">{revoked}</p>}
      {users === null ? (!error && <p className="muted" role="status">Loading…</p>) : users.length === 0 ? (
        <p className="muted">{only === "banned" ? (q ? "Nobody banned by that name." : "Nobody is banned.") : "Nobody by that name."}</p>
      ) : (
        <ul className="admin__list" aria-label="People">
          {users.map((user) => (
            <li key={user.id} className="admin__item">
              <Avatar name={shownName(user)} id={user.id} size={28} online={user.online} src={user.avatarUrl} />
              <div className="admin__item-main">
                <span className="row__name">{shownName(user)} <span className="muted small">@{user.username}</span></span>
                {(user.banned || user.deactivated || user.role !== "member") && (
                  <span className={user.banned ? "small bans__state" : "muted small"}>
                    {[user.banned ? banText(user, name) : "", user.deactivated ? "Deactivated" : "", user.role === "admin" ? "Administrator" : user.role === "bot" ? "Bot" : ""].filter(Boolean).join(" · ")}
                  </span>
                )}
              </div>
              {user.banned ? (
                <LiftBanButton name={user.username} onLift={() => api.unban(user.id).then(() => reread(user.id, user.username))} />
              ) : user.role !== "admin" && confirming !== user.id && (
                <button type="button" className="danger-ghost ghost--small" onClick={() => setConfirming(user.id)}>Ban {user.username}…</button>
              )}
              {confirming === user.id && !user.banned && (
                <BanConfirm user={user} onCancel={() => setConfirming(null)} onOpenPlace={onOpenPlace}
                  onBan={(reason, revokeInvitations) => void banUser(user, reason, revokeInvitations)} />
              )}
            </li>
          ))}
        </ul>
      )}
      {next && <button type="button" className="ghost" onClick={more}>More</button>}
    </section>
  );
}

function Accounts({ onCreated }: { onCreated: () => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [admin, setAdmin] = useState(false);
  const [status, setStatus] = useState<{ error?: string; made?: string }>({});
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const name = Username.safeParse(username);
    if (!name.success) return setStatus({ error: name.error.issues[0]?.message ?? "Enter a username" });
    try {
      const user = await api.createAccount({ username: name.data, password, role: admin ? "admin" : "member" });
      setStatus({ made: user.username });
      onCreated();
      setUsername("");
      setPassword("");
      setAdmin(false);
    } catch (e) {
      setStatus({ error: errorText(e) });
    }
  };
  return (
    <form className="form admin__section" aria-label="Create an account" onSubmit={submit} noValidate>
      <h3 className="small">Create an account</h3>
      <p className="muted small">When only administrators create accounts, this is the only way in. Give the person their name and password.</p>
      <label className="field"><span>Username</span>
        <input value={username} autoComplete="off" maxLength={32} onChange={(e) => setUsername(e.target.value)} /></label>
      <label className="field"><span>Password</span>
        <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} /></label>
      <label className="picker__row"><input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} /> Administrator</label>
      {status.error && <p className="error" role="alert">{status.error}</p>}
      {status.made && <p className="ok" role="status">Account “{status.made}” created.</p>}
      <div className="form__actions"><button type="submit" className="primary">Create account</button></div>
    </form>
  );
}

/** Invitation links are relative when the server has no PUBLIC_URL in production: complete them with this site's origin. */
const absolute = (link: string) => new URL(link, window.location.origin).toString();

/** An entry's sentence, names strong, then its note (a ban's reason, an invitation's terms). */
function AuditLine({ sentence }: { sentence: AuditSentence }) {
  return (
    <span>
      {sentence.pieces.map((piece, i) => (typeof piece === "string" ? piece : <strong key={i}>{piece.name}</strong>))}
      {sentence.note && <span className="muted"> — {sentence.note}</span>}
    </span>
  );
}

function Audit({ state }: { state: ChatState }) {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [more, setMore] = useState(true);
  // "expires in 6 days" is counted from now.
  const now = useNow();
  const page = useCallback((before?: string) => {
    api.audit(before).then((list) => {
      setEntries((old) => [...(before ? old ?? [] : []), ...list]);
      setMore(list.length === 50);
    }, (e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(() => page(), [page]);
  // Kept live while open: a ban lifted anywhere is no longer in force, and the newest entries are
  // read again (the new ban or lift, each ban entry's state as the server has it now).
  const refresh = useCallback(() => {
    api.audit().then((list) => setEntries((old) => {
      if (!old) return list;
      const fresh = new Map(list.map((e) => [e.id, e]));
      const known = new Set(old.map((e) => e.id));
      return [...list.filter((e) => !known.has(e.id)), ...old.map((e) => fresh.get(e.id) ?? e)];
    }), () => {});
  }, []);
  const lifted = useCallback((userId: number) => {
    setEntries((list) => list && list.map((e) => (e.action === "user.ban" && e.userId === userId && e.inForce ? { ...e, inForce: false } : e)));
  }, []);
  useEffect(() => onBan(({ id, banned }) => {
    if (!banned) lifted(id);
    refresh();
  }), [lifted, refresh]);
  // People by the name they show (their display name, else their username): those this tab knows,
  // and the others of the entries fetched once. A person gone (a deleted bot) keeps the entry's name.
  const [fetched, setFetched] = useState<Record<number, { username: string; displayName?: string }>>({});
  const asked = useRef(new Set<number>());
  useEffect(() => {
    const ids = [...new Set((entries ?? []).flatMap((e) => [e.actorId, ...(e.userId !== undefined ? [e.userId] : [])]))]
      .filter((id) => !state.users[id] && !asked.current.has(id));
    if (ids.length === 0) return;
    ids.forEach((id) => asked.current.add(id));
    api.users(ids).then((users) => setFetched((known) => ({ ...known, ...Object.fromEntries(users.map((u) => [u.id, u])) })), () => {});
  }, [entries, state.users]);
  useEffect(() => onProfile((p) => setFetched((known) => (known[p.id] ? { ...known, [p.id]: p } : known))), []);
  const name: AuditNameOf = (id, kept) => {
    const person = id === undefined ? undefined : state.users[id] ?? fetched[id];
    return person ? shownName(person) : kept ?? (id === undefined ? "" : `user ${id}`);
  };
  const unban = async (id: number) => {
    await api.unban(id);
    lifted(id);
    refresh();
  };
  return (
    <section aria-label="Audit log" className="admin__section">
      {error && <p className="error" role="alert">{error}</p>}
      {entries === null ? (!error && <p className="muted" role="status">Loading…</p>) : entries.length === 0 ? <p className="muted">Nothing yet.</p> : (
        <ol className="admin__list audit">
          {entries.map((e) => (
            <li key={e.id} className="admin__item">
              <div className="admin__item-main">
                <AuditLine sentence={auditSentence(e, name, now)} />
                <time className="muted small" dateTime={new Date(e.at).toISOString()}>{dateTime(e.at)}</time>
              </div>
              {/* Only while this ban is the one in force (the server says; ban events keep it so). */}
              {e.action === "user.ban" && e.userId !== undefined && e.inForce && (
                <LiftBanButton name={name(e.userId, e.userName)} onLift={() => unban(e.userId!)} />
              )}
            </li>
          ))}
        </ol>
      )}
      {entries && more && <button type="button" className="ghost" onClick={() => page(entries[entries.length - 1]?.id)}>Older</button>}
    </section>
  );
}

/**
 * For administrators: invitation links, bans, and the audit log. Loaded only when opened, on `tab`
 * (invitations unless said: "Invite people" and the Admin button). `admin` is the person's role,
 * live: demoted while it is open, it says so instead of failing tab by tab.
 */
export default function AdminDialog({ state, admin, tab: firstTab = "invites", onClose }: { state: ChatState; admin: boolean; tab?: AdminTab; onClose: () => void }) {
  const [tab, setTab] = useState<Tab>(firstTab);
  // Accounts created here: the accounts list above the form fetches again.
  const [created, setCreated] = useState(0);
  const tabs: [Tab, string][] = [["invites", "Invitations"], ["accounts", "Accounts"], ["place", "Place"], ["people", "Bans"], ["audit", "Audit log"]];
  if (!admin) {
    return (
      <Dialog title="Administration" onClose={onClose}>
        <p role="status">You are no longer an administrator of this place, so this is closed to you.</p>
        <button type="button" onClick={onClose}>OK</button>
      </Dialog>
    );
  }
  return (
    <Dialog title="Administration" onClose={onClose} wide>
      <div className="tabs" role="tablist" aria-label="Administration">
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" id={`admin-tab-${id}`} aria-selected={tab === id} aria-controls={`admin-pane-${id}`}
            className={`tab${tab === id ? " tab--on" : ""}`} onClick={() => setTab(id)}>{label}</button>
        ))}
      </div>
      <div role="tabpanel" id={`admin-pane-${tab}`} aria-labelledby={`admin-tab-${tab}`}>
        {tab === "invites" && <Invitations />}
        {tab === "accounts" && <><AccountsAdmin reloadKey={created} /><Accounts onCreated={() => setCreated((n) => n + 1)} /></>}
        {tab === "place" && <PlaceSettingsForm />}
        {tab === "people" && <Bans state={state} onOpenPlace={() => setTab("place")} />}
        {tab === "audit" && <Audit state={state} />}
      </div>
    </Dialog>
  );
}
