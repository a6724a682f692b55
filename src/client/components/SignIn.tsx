import { useState, type FormEvent } from "react";
import { Password, Username, type SessionUser } from "../../protocol/index.js";
import { api } from "../api.js";
import { storedOutboxes } from "../useOutbox.js";
import { Avatar } from "./Avatar.js";

export const DEMO_USERS = ["Pablo", "Joe", "Mary", "Alex"] as const;
export const DEMO_PASSWORD = "password123";

export function SignIn({ onSignedIn }: { onSignedIn: (user: SessionUser) => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  // Messages typed before the session ended, kept until their author signs in again.
  const [held] = useState(() => storedOutboxes().flatMap((o) => o.texts));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const name = Username.safeParse(username);
    if (!name.success) return setError(name.error.issues[0]?.message ?? "Enter a username");
    const pw = Password.safeParse(password);
    if (!pw.success) return setError(pw.error.issues[0]?.message ?? "Enter a password");
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.login({ username: name.data, password }));
    } catch (e) {
      setError(e instanceof Error ? e.message : "Could not sign in");
      setBusy(false);
    }
  };

  const pick = (name: string) => {
    setUsername(name);
    setPassword(DEMO_PASSWORD);
    setError(null);
  };

  return (
    <main className="signin">
      <form className="signin__card" onSubmit={submit} noValidate aria-labelledby="signin-title">
        <svg className="signin__logo" viewBox="0 0 32 32" width="44" height="44" aria-hidden="true">
          <rect width="32" height="32" rx="8" fill="var(--accent)" />
          <path d="M8 10h16v10H14l-5 4v-4H8z" fill="#fff" />
        </svg>
        <h1 id="signin-title">Redis Chat</h1>
        <p className="muted">Sign in, or pick a new name to create an account.</p>

        <fieldset className="signin__demo">
          <legend>Demo users</legend>
          <div className="signin__chips">
            {DEMO_USERS.map((name) => (
              <button key={name} type="button" className={`chip${username === name ? " chip--on" : ""}`} onClick={() => pick(name)}
                aria-pressed={username === name}>
                <Avatar name={name} size={22} />
                {name}
              </button>
            ))}
          </div>
        </fieldset>

        <label className="field">
          <span>Username</span>
          <input name="username" autoComplete="username" autoCapitalize="none" spellCheck={false} maxLength={32}
            value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label className="field">
          <span>Password</span>
          <input name="password" type="password" autoComplete="current-password" value={password}
            onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        {held.length > 0 && (
          <section className="signin__held" aria-label="Messages not sent">
            <p className="small"><strong>Not sent yet</strong>: {held.length === 1 ? "this message is" : "these messages are"} kept
              in this browser and sent when {held.length === 1 ? "its author signs" : "their author signs"} in again.</p>
            <ul>
              {held.map((text, i) => <li key={i} className="signin__held-text">{text}</li>)}
            </ul>
          </section>
        )}
        <button type="submit" className="primary" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
        <p className="muted small">New accounts need a password of 8 to 72 characters (72 bytes).</p>
      </form>
    </main>
  );
}
