import { useCallback, useEffect, useState, type FormEvent } from "react";
import { Username, type AuditEntry, type Invite, type UserWithPresence } from "../../../protocol/index.js";
import { api } from "../../api.js";
import type { ChatState } from "../../state/chat.js";
import { usePeopleSearch } from "../../usePeopleSearch.js";
import { Avatar } from "../Avatar.js";
import { Dialog, errorText } from "../Dialog.js";
import { AccountsAdmin } from "../../profile/AccountsAdmin.js";
import { PlaceSettingsForm } from "../../setup/PlaceSettingsForm.js";

type Tab = "place" | "invites" | "accounts" | "people" | "audit";

const NOBODY: readonly number[] = [];

function when(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function Invitations() {
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [maxUses, setMaxUses] = useState("1");
  const [hours, setHours] = useState("168");
  const [copied, setCopied] = useState<string | null>(null);
  const load = useCallback(() => {
    api.invites().then(setInvites, (e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(load, [load]);

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
      setError(errorText(e));
    }
  };
  const copy = async (invite: Invite) => {
    try {
      await navigator.clipboard.writeText(absolute(invite.url));
      setCopied(invite.code);
    } catch {
      setCopied(null);
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
      {invites === null ? <p className="muted" role="status">Loading…</p> : invites.length === 0 ? (
        <p className="muted">No invitations yet.</p>
      ) : (
        <ul className="admin__list" aria-label="Invitation links">
          {invites.map((invite) => (
            <li key={invite.code} className="admin__item">
              <div className="admin__item-main">
                <input className="filter admin__url" readOnly value={absolute(invite.url)} aria-label="Invitation link" onFocus={(e) => e.target.select()} />
                <span className="muted small">
                  {invite.uses} of {invite.maxUses ?? "unlimited"} used · expires {when(invite.expiresAt)}
                </span>
              </div>
              <button type="button" className="ghost ghost--small" onClick={() => void copy(invite)}>{copied === invite.code ? "Copied" : "Copy"}</button>
              <button type="button" className="danger-ghost ghost--small" onClick={() => void revoke(invite.code)} aria-label={`Revoke ${invite.code}`}>Revoke</button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function People({ state }: { state: ChatState }) {
  const [query, setQuery] = useState("");
  // Everyone, banned or not: this is where bans are lifted too.
  const { people } = usePeopleSearch({ users: state.users, me: state.me, banned: NOBODY }, query);
  const [banned, setBanned] = useState<Record<number, boolean>>({});
  const [error, setError] = useState<string | null>(null);
  // A ban is asked for first, with its reason (kept in the audit log).
  const [confirming, setConfirming] = useState<{ id: number; reason: string } | null>(null);
  const apply = async (user: UserWithPresence, reason?: string) => {
    setError(null);
    try {
      const answer = banned[user.id] ? await api.unban(user.id) : await api.ban(user.id, reason?.trim() || undefined);
      setBanned((b) => ({ ...b, [answer.id]: answer.banned }));
      setConfirming(null);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <section aria-label="Bans" className="admin__section">
      <p className="muted small">A ban signs the person out everywhere, refuses their sign-in and hides them from search. Lift it from the audit log or here.</p>
      <input type="search" className="filter" placeholder="Find people by name" aria-label="Find people to ban"
        value={query} onChange={(e) => setQuery(e.target.value)} />
      {error && <p className="error" role="alert">{error}</p>}
      <ul className="admin__list">
        {people.slice(0, 30).map((user) => (
          <li key={user.id} className="admin__item">
            <Avatar name={user.username} id={user.id} size={28} online={user.online} />
            <span className="row__name">{user.username}</span>
            {banned[user.id] ? (
              <button type="button" className="ghost ghost--small" onClick={() => void apply(user)}>Unban {user.username}</button>
            ) : confirming?.id !== user.id && (
              <button type="button" className="danger-ghost ghost--small" onClick={() => setConfirming({ id: user.id, reason: "" })}>Ban {user.username}…</button>
            )}
            {confirming?.id === user.id && (
              <form className="admin__confirm" aria-label={`Ban ${user.username}`} onSubmit={(e) => { e.preventDefault(); void apply(user, confirming.reason); }}>
                <p className="small">Ban <strong>{user.username}</strong>? They are signed out everywhere at once and cannot sign in, post or use bot tokens until the ban is lifted.</p>
                <label className="field"><span>Reason (kept in the audit log)</span>
                  <input autoFocus maxLength={500} value={confirming.reason} placeholder="e.g. spam in General"
                    onChange={(e) => setConfirming({ id: user.id, reason: e.target.value })} /></label>
                <div className="form__actions">
                  <button type="button" className="ghost ghost--small" onClick={() => setConfirming(null)}>Cancel</button>
                  <button type="submit" className="danger ghost--small">Ban {user.username}</button>
                </div>
              </form>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Accounts() {
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

const ACTIONS: Record<AuditEntry["action"], string> = {
  "user.ban": "banned",
  "user.unban": "lifted the ban on",
  "user.create": "created the account",
  "room.member.remove": "removed a member from",
  "room.delete": "deleted room",
  "room.update": "changed room",
  "invite.create": "created an invitation",
  "invite.delete": "revoked an invitation",
  "message.delete": "deleted a message in",
  "place.setup": "set up the place",
  "place.settings": "changed the place's settings",
  "user.role": "changed the role of",
  "user.deactivate": "deactivated",
  "user.reactivate": "reactivated",
  "user.password-reset": "made a password reset link for",
  "user.avatar.remove": "removed the profile picture of",
  "attachment.refused": "uploaded a file that failed the malware scan in",
  "bot.create": "created the bot",
  "bot.token.rotate": "issued a new token for the bot",
  "bot.webhook.change": "changed the webhook of the bot",
  "bot.delete": "deleted the bot",
  "invite.accept": "joined with an invitation",
};

function Audit({ state }: { state: ChatState }) {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [more, setMore] = useState(true);
  const [unbanned, setUnbanned] = useState<number[]>([]);
  const page = useCallback((before?: string) => {
    api.audit(before).then((list) => {
      setEntries((old) => [...(before ? old ?? [] : []), ...list]);
      setMore(list.length === 50);
    }, (e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(() => page(), [page]);
  // The names kept in the entry first: a later rename or deletion does not change the log.
  const name = (id: number | undefined, kept: string | undefined) => kept ?? (id === undefined ? "" : state.users[id]?.username ?? `user ${id}`);
  const unban = async (id: number) => {
    try {
      await api.unban(id);
      setUnbanned((list) => [...list, id]);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <section aria-label="Audit log" className="admin__section">
      {error && <p className="error" role="alert">{error}</p>}
      {entries === null ? <p className="muted" role="status">Loading…</p> : entries.length === 0 ? <p className="muted">Nothing yet.</p> : (
        <ol className="admin__list audit">
          {entries.map((e) => (
            <li key={e.id} className="admin__item">
              <div className="admin__item-main">
                {e.action === "place.setup" ? (
                  // The setup's detail is the place's name; its user is the actor, said once.
                  <span><strong>{name(e.actorId, e.actorName)}</strong> {ACTIONS[e.action]} {e.detail && <strong>{e.detail}</strong>}</span>
                ) : (
                  <span><strong>{name(e.actorId, e.actorName)}</strong> {ACTIONS[e.action]} {e.userId !== undefined && <strong>{name(e.userId, e.userName)}</strong>}
                    {e.roomId !== undefined && <> {e.roomName ? <strong>{e.roomName}</strong> : "a conversation"}</>}{e.detail ? <span className="muted"> — {e.detail}</span> : null}</span>
                )}
                <time className="muted small" dateTime={new Date(e.at).toISOString()}>{when(e.at)}</time>
              </div>
              {e.action === "user.ban" && e.userId !== undefined && !unbanned.includes(e.userId) && (
                <button type="button" className="ghost ghost--small" onClick={() => void unban(e.userId!)}>Unban</button>
              )}
            </li>
          ))}
        </ol>
      )}
      {entries && more && <button type="button" className="ghost" onClick={() => page(entries[entries.length - 1]?.id)}>Older</button>}
    </section>
  );
}

/** For administrators: invitation links, bans, and the audit log. Loaded only when opened. */
export default function AdminDialog({ state, onClose }: { state: ChatState; onClose: () => void }) {
  const [tab, setTab] = useState<Tab>("invites");
  const tabs: [Tab, string][] = [["invites", "Invitations"], ["accounts", "Accounts"], ["place", "Place"], ["people", "Bans"], ["audit", "Audit log"]];
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
        {tab === "accounts" && <><AccountsAdmin /><Accounts /></>}
        {tab === "place" && <PlaceSettingsForm />}
        {tab === "people" && <People state={state} />}
        {tab === "audit" && <Audit state={state} />}
      </div>
    </Dialog>
  );
}
