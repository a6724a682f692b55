import { useEffect, useState, type FormEvent } from "react";
import { NewPassword, PlaceName, RegistrationMode, Username } from "../../protocol/index.js";
import type { SignedInUser } from "../api.js";
import { errorText } from "../components/Dialog.js";
import { placeApi } from "./api.js";
import "./setup.css";

type Field = "placeName" | "username" | "password";

/** A rule's message as a sentence for people: "username must not be empty" -> "The username must not be empty". */
export function human(message: string): string {
  const text = message.replace(/^(username|password)\b/, "The $1");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const JOIN: [RegistrationMode, string, string][] = [
  ["invite", "By invitation", "Administrators send invitation links."],
  ["open", "Open", "Anyone who reaches this page may create an account."],
  ["closed", "Closed", "Only administrators create accounts."],
];

/**
 * The first run (`POST /setup`): the place's name, its first administrator and who may join. Shown
 * at `/` while the place is not set up; beside a demo, reached from the sign-in page.
 */
export function SetupScreen({ onDone, onBack }: { onDone: (user: SignedInUser) => void; onBack?: () => void }) {
  const [placeName, setPlaceName] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [registration, setRegistration] = useState<RegistrationMode>("invite");
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});
  const [busy, setBusy] = useState(false);
  // Beside a demo: its accounts stay usable with the published password until an administrator deactivates them.
  const [demo, setDemo] = useState<string[]>([]);
  useEffect(() => {
    placeApi.state().then((state) => setDemo(state.demo?.usernames ?? []), () => {});
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: Partial<Record<Field, string>> = {};
    for (const [field, schema, value] of [["placeName", PlaceName, placeName], ["username", Username, username], ["password", NewPassword, password]] as const) {
      const parsed = schema.safeParse(value);
      if (!parsed.success) found[field] = human(parsed.error.issues[0]?.message ?? "Check this field");
    }
    setProblems(found);
    setError(null);
    const first = Object.keys(found)[0];
    if (first) return void document.querySelector<HTMLInputElement>(`.signin__card [name="${first}"]`)?.focus();
    setBusy(true);
    try {
      const user = await placeApi.setUp({ placeName: placeName.trim(), username: username.trim(), password, registration });
      onDone({ ...user, role: "admin" });
    } catch (e) {
      setError(human(errorText(e)));
      setBusy(false);
    }
  };
  const problem = (field: Field) => problems[field]
    ? { "aria-invalid": true, "aria-describedby": `setup-${field}-problem` }
    : {};
  const note = (field: Field) => problems[field] && <span className="error small" id={`setup-${field}-problem`}>{problems[field]}</span>;

  return (
    <main className="signin">
      <form className="signin__card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="setup-title">
        <h1 id="setup-title">Set up your place</h1>
        <p className="muted">Name it, make the first administrator, and choose who may join. You can change all of it later.</p>
        <label className="field"><span>Name of the place</span>
          <input name="placeName" maxLength={60} value={placeName} onChange={(e) => setPlaceName(e.target.value)} placeholder="Acme team" required {...problem("placeName")} />{note("placeName")}</label>
        <label className="field"><span>Administrator's username</span>
          <input name="username" autoComplete="username" autoCapitalize="none" spellCheck={false} maxLength={32}
            value={username} onChange={(e) => setUsername(e.target.value)} required {...problem("username")} />{note("username")}</label>
        <label className="field"><span>Password</span>
          <input name="password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required {...problem("password")} />{note("password")}</label>
        <fieldset className="setup__join">
          <legend>Who may join</legend>
          {JOIN.map(([mode, label, hint]) => (
            <label key={mode} className="setup__choice">
              <input type="radio" name="registration" value={mode} checked={registration === mode} onChange={() => setRegistration(mode)} />
              <span><strong>{label}</strong> <span className="muted small">{hint}</span></span>
            </label>
          ))}
        </fieldset>
        {demo.length > 0 && (
          <p className="setup__demo" role="note">
            The demo accounts ({demo.join(", ")}) keep signing in with the published password after this. Deactivate them
            in Admin → Accounts once you are in.
          </p>
        )}
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>{busy ? "Setting up…" : "Set up and sign in"}</button>
        {onBack && <button type="button" className="link" onClick={onBack}>Back to sign-in</button>}
        <p className="muted small">The password needs 8 to 72 characters (72 bytes).</p>
      </form>
    </main>
  );
}
