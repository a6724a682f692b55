import { useEffect, useState, type FormEvent } from "react";
import { NewPassword, Password, Username, type InviteState, type RegistrationMode, type SetupState } from "../../protocol/index.js";
import { ApiError, api, type SignedInUser } from "../api.js";
import { storedOutboxes } from "../useOutbox.js";
import { signedOutNotice } from "../lib/signedOutNotice.js";
import { Avatar } from "./Avatar.js";

/** The demo's users in the order it creates them (ids 1..4): the chips wear the colours of those ids. */
const DEMO_ORDER = ["Pablo", "Joe", "Mary", "Alex"];

/** `?invite=CODE` from an invitation link (the server's `url`). */
function inviteFromUrl(): string {
  return new URLSearchParams(location.search).get("invite") ?? "";
}

const INTRO: Record<RegistrationMode, string> = {
  open: "Sign in, or choose a new name to create an account.",
  invite: "Sign in. New accounts need an invitation.",
  closed: "Sign in with the account an administrator made for you.",
};

/**
 * Sign in, saying which it is: a name that has no account is never created silently (it asks
 * "Create an account called …?", with an invitation code when the server needs one).
 */
export function SignIn({ onSignedIn, place, onSetUp }: { onSignedIn: (user: SignedInUser) => void; place: SetupState; onSetUp: () => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  // Messages typed before the session ended, kept until their author signs in again.
  const [held] = useState(() => storedOutboxes().flatMap((o) => o.texts));
  const [invite, setInvite] = useState(inviteFromUrl);
  const [mode, setMode] = useState<RegistrationMode>(place.registration);
  // Demo accounts only while they exist with the demo password (issue 18: the server says which).
  const demo = place.demo;
  /** Set when the server said the name has no account: the form asks before creating it. */
  const [newName, setNewName] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Why the last session here ended, when an administrator ended it (deactivation).
  const [notice] = useState(signedOutNotice);
  // An invitation link opens "Create your account" at once (no sign-in attempt first); "checking"
  // until the server says whether the link still works, null once the person chose to sign in instead.
  const [joining, setJoining] = useState<InviteState["state"] | "checking" | null>(() => (inviteFromUrl() ? "checking" : null));

  useEffect(() => {
    api.registration().then((info) => setMode(info.mode), () => {});
    const code = inviteFromUrl();
    if (code) api.inviteState(code).then((s) => setJoining((j) => (j === null ? j : s.state)), () => setJoining((j) => (j === null ? j : "valid")));
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

  const signInInstead = () => {
    setJoining(null);
    setError(null);
  };
  if (joining !== null && mode !== "closed") {
    const join = (event: FormEvent) => {
      event.preventDefault();
      const name = Username.safeParse(username);
      if (!name.success) return setError(name.error.issues[0]?.message ?? "Choose a username");
      const pw = NewPassword.safeParse(password);
      if (!pw.success) return setError(pw.error.issues[0]?.message ?? "Choose a password");
      void login(name.data, true);
    };
    const usable = joining === "valid" || joining === "checking";
    return (
      <main className="signin">
        <form className="signin__card" onSubmit={join} noValidate aria-labelledby="signin-title">
          <h1 id="signin-title">Create your account</h1>
          <p className="muted">You were invited to <strong>{place.placeName}</strong>. Choose a name and a password.</p>
          {!usable && (
            <p className="error" role="alert">
              {joining === "used" ? "This invitation has already been used." : joining === "expired" ? "This invitation has expired." : "This invitation is no longer valid (it may have expired or been withdrawn)."}
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
              onChange={(e) => setPassword(e.target.value)} required />
          </label>
          <p className="muted small">8 to 72 characters (72 bytes).</p>
          {error && <p className="error" role="alert">{error}</p>}
          <button type="submit" className="primary" disabled={busy || !usable}>{busy ? "Creating…" : "Create account"}</button>
          <button type="button" className="link" onClick={signInInstead}>I already have an account: sign in</button>
        </form>
      </main>
    );
  }

  const confirming = newName !== null;
  return (
    <main className="signin">
      <form className="signin__card" onSubmit={submit} noValidate aria-labelledby="signin-title">
        <svg className="signin__logo" viewBox="0 0 32 32" width="44" height="44" aria-hidden="true">
          <rect width="32" height="32" rx="8" fill="var(--accent)" />
          <path d="M8 10h16v10H14l-5 4v-4H8z" fill="#fff" />
        </svg>
        <h1 id="signin-title">{confirming ? "Create an account?" : place.placeName}</h1>
        {!confirming && <p className="muted">{INTRO[mode]}</p>}

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
        {!error && notice && <p className="error" role="alert">{notice}</p>}
        {held.length > 0 && (
          <section className="signin__held" aria-label="Messages not sent">
            <p className="small"><strong>Not sent yet</strong>: {held.length === 1 ? "this message is" : "these messages are"} kept
              in this browser and sent when {held.length === 1 ? "its author signs" : "their author signs"} in again.</p>
            <ul>
              {held.map((text, i) => <li key={i} className="signin__held-text">{text}</li>)}
            </ul>
          </section>
        )}
        {confirming ? (
          <div className="signin__actions">
            <button type="button" className="ghost" onClick={() => { setNewName(null); setError(null); }}>Back</button>
            {mode !== "closed" && <button type="submit" className="primary" disabled={busy}>{busy ? "Creating…" : "Create account"}</button>}
          </div>
        ) : (
          <button type="submit" className="primary" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
        )}
        {!confirming && place.needsSetup && (
          <button type="button" className="link" onClick={onSetUp}>Set up this place with a real administrator</button>
        )}
        <p className="muted small">{confirming ? "A new account needs a password of 8 to 72 characters (72 bytes)." : "New accounts need a password of 8 to 72 characters (72 bytes)."}</p>
      </form>
    </main>
  );
}
