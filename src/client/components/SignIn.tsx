import { useEffect, useState, type FormEvent } from "react";
import { NewPassword, Password, Username, type InviteState, type RegistrationMode, type SetupState } from "../../protocol/index.js";
import { ApiError, api, type SignedInUser } from "../api.js";
import { storedOutboxes } from "../useOutbox.js";
import { accountClosed, signedOutNotice, type SignedOutNotice } from "../lib/signedOutNotice.js";
import { forgetDrafts, storedDrafts } from "../lib/drafts.js";
import { outboxKey } from "../state/pending.js";
import { Avatar } from "./Avatar.js";

/** The demo's users in the order it creates them (ids 1..4): the chips wear the colours of those ids. */
const DEMO_ORDER = ["Pablo", "Joe", "Mary", "Alex"];

/** `?invite=CODE` from an invitation link (the server's `url`). */
function inviteFromUrl(): string {
  return new URLSearchParams(location.search).get("invite") ?? "";
}

const INTRO: Record<RegistrationMode, string> = {
  open: "Sign in to your account.",
  invite: "Sign in. New accounts need an invitation.",
  closed: "Sign in with the account an administrator made for you.",
};

/**
 * Sign in, or create an account, saying which it is. Where anyone may join (and with an invitation)
 * "Create an account" is offered from the start, so a newcomer never goes through a failed sign-in;
 * a name typed in the sign-in form that has no account is never created silently (it asks "Create
 * an account called …?": likely a typo of one's own name).
 */
export function SignIn({ onSignedIn, place, onSetUp }: { onSignedIn: (user: SignedInUser) => void; place: SetupState; onSetUp: () => void }) {
  // Why the last session here ended, when it was not this tab's own sign-out (a ban, another tab...).
  const [notice] = useState(signedOutNotice);
  // Signed out by someone else: their name is filled in, to sign in again in one step.
  const [username, setUsername] = useState(() => notice?.username ?? "");
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  // What was typed before the session ended (unsent messages, drafts), kept until its author is back.
  const [held, setHeld] = useState(() => keptWriting(notice));
  const [invite, setInvite] = useState(inviteFromUrl);
  const [mode, setMode] = useState<RegistrationMode>(place.registration);
  // Demo accounts only while they exist with the demo password (issue 18: the server says which).
  const demo = place.demo;
  /** Set when the server said the name has no account: the form asks before creating it. */
  const [newName, setNewName] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // "Create your account": chosen from the sign-in form, or at once from an invitation link.
  const [creating, setCreating] = useState(() => inviteFromUrl() !== "");
  // An invitation link's state: "checking" until the server says whether it still works; null without a link.
  const [linkState, setLinkState] = useState<InviteState["state"] | "checking" | null>(() => (inviteFromUrl() ? "checking" : null));

  useEffect(() => {
    api.registration().then((info) => setMode(info.mode), () => {});
    const code = inviteFromUrl();
    if (code) api.inviteState(code).then((s) => setLinkState(s.state), () => setLinkState("valid"));
  }, []);

  const login = async (name: string, createAccount: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const user = await api.login({ username: name, password, createAccount, ...(createAccount && invite.trim() ? { invite: invite.trim() } : {}) });
      if (createAccount && location.search) history.replaceState(null, "", location.pathname + location.hash);
      onSignedIn(user);
    } catch (e) {
      if (!createAccount && e instanceof ApiError && e.status === 404) {
        setNewName(name);
      } else if (createAccount && creating && e instanceof ApiError && e.status === 401) {
        // The name has an account and this is not its password: someone else's name, most likely.
        setError(`There is already an account called ${name}. Choose another name, or sign in if it is yours.`);
      } else {
        setError(e instanceof Error ? e.message : "Could not sign in");
      }
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const name = Username.safeParse(username);
    if (!name.success) return setError(name.error.issues[0]?.message ?? "Enter a username");
    const pw = Password.safeParse(password);
    if (!pw.success) return setError(pw.error.issues[0]?.message ?? "Enter a password");
    if (newName !== null) {
      if (mode === "invite" && !invite.trim()) return setError("Enter the invitation code you were given");
      return void login(name.data, true);
    }
    void login(name.data, false);
  };

  const pick = (name: string) => {
    setUsername(name);
    setPassword(demo?.password ?? "");
    setNewName(null);
    setError(null);
  };

  const switchTo = (create: boolean) => {
    setCreating(create);
    setNewName(null);
    setError(null);
    setRepeated("");
  };
  if (creating && mode !== "closed") {
    const join = (event: FormEvent) => {
      event.preventDefault();
      const name = Username.safeParse(username);
      if (!name.success) return setError(name.error.issues[0]?.message ?? "Choose a username");
      const pw = NewPassword.safeParse(password);
      if (!pw.success) return setError(pw.error.issues[0]?.message ?? "Choose a password");
      if (repeated !== password) return setError("The two passwords are not the same.");
      if (mode === "invite" && !invite.trim()) return setError("Enter the invitation code you were given");
      void login(name.data, true);
    };
    const usable = linkState === null || linkState === "valid" || linkState === "checking";
    const fromLink = linkState !== null;
    return (
      <main className="signin">
        <form className="signin__card" onSubmit={join} noValidate aria-labelledby="signin-title" aria-busy={busy}>
          <h1 id="signin-title">Create your account</h1>
          <p className="muted">{fromLink ? <>You were invited to <strong>{place.placeName}</strong>.</> : <>Join <strong>{place.placeName}</strong>.</>}
            {" "}Choose a name and a password.</p>
          {!usable && (
            <p className="error" role="alert">
              {linkState === "used" ? "This invitation has already been used." : linkState === "expired" ? "This invitation has expired." : "This invitation is no longer valid (it may have expired or been withdrawn)."}
              {" "}Ask an administrator for a new one.
            </p>
          )}
          <label className="field">
            <span>Username</span>
            <input name="username" autoComplete="username" autoCapitalize="none" spellCheck={false} maxLength={32} disabled={!usable}
              value={username} onChange={(e) => setUsername(e.target.value)} required />
          </label>
          <label className="field">
            <span>Password</span>
            <input name="password" type="password" autoComplete="new-password" value={password} disabled={!usable}
              onChange={(e) => setPassword(e.target.value)} required aria-describedby="signin-password-rule" />
          </label>
          <label className="field">
            <span>Confirm password</span>
            <input name="password-again" type="password" autoComplete="new-password" value={repeated} disabled={!usable}
              onChange={(e) => setRepeated(e.target.value)} required />
          </label>
          <p className="muted small" id="signin-password-rule">8 to 72 characters (72 bytes).</p>
          {mode === "invite" && !fromLink && (
            <label className="field">
              <span>Invitation code</span>
              <input name="invite" autoComplete="off" spellCheck={false} value={invite} onChange={(e) => setInvite(e.target.value)} />
            </label>
          )}
          {error && <p className="error" role="alert">{error}</p>}
          <button type="submit" className="primary" disabled={busy || !usable}>{busy ? "Creating account…" : "Create account"}</button>
          <button type="button" className="link" onClick={() => { setLinkState(null); switchTo(false); }}>I already have an account: sign in</button>
        </form>
      </main>
    );
  }

  const confirming = newName !== null;
  return (
    <main className="signin">
      <form className="signin__card" onSubmit={submit} noValidate aria-labelledby="signin-title" aria-busy={busy}>
        <svg className="signin__logo" viewBox="0 0 32 32" width="44" height="44" aria-hidden="true">
          <rect width="32" height="32" rx="8" fill="var(--accent)" />
          <path d="M8 10h16v10H14l-5 4v-4H8z" fill="#fff" />
        </svg>
        <h1 id="signin-title">{confirming ? "Create an account?" : place.placeName}</h1>
        {!confirming && <p className="muted">{INTRO[mode]}</p>}
        {/* Read first: why this page is here (it gives way to what a new attempt answers). */}
        {!error && notice && !confirming && <EndedNotice notice={notice} />}

        {!confirming && demo && (
          <fieldset className="signin__demo">
            <legend>Demo users</legend>
            <p className="signin__demo-note small">This is a demo: anyone can sign in as these people with the password
              {" "}<code>{demo.password}</code>. Do not share anything private here.</p>
            <div className="signin__chips">
              {demo.usernames.map((name) => (
                <button key={name} type="button" className={`chip${username === name ? " chip--on" : ""}`} onClick={() => pick(name)}
                  aria-pressed={username === name}>
                  {/* The app colours avatars by user id; the demo data creates these users first, as ids 1..4,
                      so the chip wears the colour its user has once signed in. */}
                  <Avatar name={name} id={DEMO_ORDER.indexOf(name) + 1} size={22} />
                  {name}
                </button>
              ))}
            </div>
          </fieldset>
        )}

        {confirming && (
          <div className="signin__confirm" role="status">
            <Avatar name={newName} size={40} />
            <p>There is no account called <strong>{newName}</strong> yet.
              {mode === "closed" ? " Only an administrator can create accounts here." : " Create it with this password?"}</p>
          </div>
        )}

        <label className="field">
          <span>Username</span>
          <input name="username" autoComplete="username" autoCapitalize="none" spellCheck={false} maxLength={32}
            value={username} onChange={(e) => { setUsername(e.target.value); setNewName(null); }} required />
        </label>
        <label className="field">
          <span>Password</span>
          <input name="password" type="password" autoComplete={confirming ? "new-password" : "current-password"} value={password}
            onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {confirming && mode === "invite" && (
          <label className="field">
            <span>Invitation code</span>
            <input name="invite" autoComplete="off" spellCheck={false} value={invite} onChange={(e) => setInvite(e.target.value)} />
          </label>
        )}
        {error && <p className="error" role="alert">{error}</p>}
        {held.length > 0 && (
          <KeptWriting held={held} notice={notice} onForget={() => {
            if (notice?.userId !== undefined) forgetKept(notice.userId);
            setHeld([]);
          }} />
        )}
        {confirming ? (
          <div className="signin__actions">
            <button type="button" className="ghost" onClick={() => { setNewName(null); setError(null); }}>Back</button>
            {mode !== "closed" && <button type="submit" className="primary" disabled={busy}>{busy ? "Creating account…" : "Create account"}</button>}
          </div>
        ) : (
          <button type="submit" className="primary" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
        )}
        {!confirming && mode !== "closed" && (
          <p className="signin__switch">{mode === "open" ? "New here?" : "Have an invitation code?"}{" "}
            <button type="button" className="link" onClick={() => switchTo(true)}>Create an account</button></p>
        )}
        {!confirming && place.needsSetup && (
          <button type="button" className="link" onClick={onSetUp}>Set up this place with a real administrator</button>
        )}
        {confirming && <p className="muted small">A new account needs a password of 8 to 72 characters (72 bytes).</p>}
      </form>
    </main>
  );
}

/** One piece of writing an ended session left in this browser: an unsent message, or a draft in a room. */
interface Kept {
  text: string;
  /** A draft's room (unsent messages have none: they are sent as they are). */
  room?: string;
}

/**
 * What the sign-in page shows as kept: after a session ended by someone else (the notice names the
 * account), that account's unsent messages and drafts; otherwise every account's unsent messages
 * (drafts then stay quietly for their author: one's own sign-out does not put them on show).
 */
function keptWriting(notice: SignedOutNotice | null): Kept[] {
  const owner = notice?.userId;
  const messages = storedOutboxes().filter((o) => owner === undefined || o.userId === owner).flatMap((o) => o.texts.map((text) => ({ text })));
  const drafts = owner === undefined ? [] : storedDrafts(owner).map((d) => ({ text: d.text, room: d.title || "a conversation" }));
  return [...messages, ...drafts];
}

function forgetKept(userId: number): void {
  forgetDrafts(userId);
  try {
    localStorage.removeItem(outboxKey(userId));
  } catch {
    // Storage disabled: nothing was kept.
  }
}

/** Why the session ended: a ban or deactivation as an error (with the ban's reason), the rest as information. */
function EndedNotice({ notice }: { notice: SignedOutNotice }) {
  const closed = accountClosed(notice);
  return (
    <div className={closed ? "signin__notice signin__notice--error" : "signin__notice"} role="alert">
      <p>{notice.text}</p>
      {notice.detail && <p className="small">Reason given: {notice.detail}</p>}
      {notice.code === "banned" && <p className="small">You cannot sign in until the ban is lifted.</p>}
    </div>
  );
}

function KeptWriting({ held, notice, onForget }: { held: Kept[]; notice: SignedOutNotice | null; onForget: () => void }) {
  const who = notice?.username;
  const one = held.length === 1;
  const closed = accountClosed(notice);
  return (
    <section className="signin__held" aria-label="Messages not sent">
      {closed ? (
        <p className="small"><strong>Not sent</strong>: {one ? "this was" : "these were"} typed{who ? <> as <strong>{who}</strong></> : null} and
          {" "}{one ? "is" : "are"} kept in this browser. The account can no longer post, so {one ? "it is" : "they are"} not sent: copy what you need.</p>
      ) : who ? (
        <p className="small"><strong>Not sent yet</strong>: kept in this browser for <strong>{who}</strong>. Messages are sent, and drafts come
          back in their rooms, when {who} signs in again.</p>
      ) : (
        <p className="small"><strong>Not sent yet</strong>: {one ? "this message is" : "these messages are"} kept
          in this browser and sent when {one ? "its author signs" : "their author signs"} in again.</p>
      )}
      <ul>
        {held.map((k, i) => (
          <li key={i} className="signin__held-text">{k.room ? <><span className="signin__held-room">Draft in {k.room}:</span> {k.text}</> : k.text}</li>
        ))}
      </ul>
      {closed && notice?.userId !== undefined && (
        <button type="button" className="ghost ghost--small" onClick={onForget}>Forget {one ? "it" : "them"}</button>
      )}
    </section>
  );
}
