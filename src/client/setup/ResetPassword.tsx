import { useEffect, useState, type FormEvent } from "react";
import { NewPassword, type PasswordResetFor } from "../../protocol/index.js";
import { errorText } from "../components/Dialog.js";
import { dateTime } from "../lib/time.js";
import { placeApi } from "./api.js";

type Link = { state: "checking" } | { state: "valid"; whom: PasswordResetFor; placeName: string } | { state: "invalid"; error: string };

/**
 * `?reset=TOKEN`: an administrator's one-time link; setting the password ends every session of the
 * account. The page first asks whom the link is for, so it names the account and the place (and an
 * unknown, used or expired link says so before a password is typed).
 */
export function ResetPassword({ token, onDone }: { token: string; onDone: () => void }) {
  const [link, setLink] = useState<Link>({ state: "checking" });
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  useEffect(() => {
    let cancelled = false;
    Promise.all([placeApi.resetFor(token), placeApi.state()]).then(
      ([whom, place]) => { if (!cancelled) setLink({ state: "valid", whom, placeName: place.placeName }); },
      (e: unknown) => { if (!cancelled) setLink({ state: "invalid", error: errorText(e) }); },
    );
    return () => { cancelled = true; };
  }, [token]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = NewPassword.safeParse(password);
    if (!parsed.success) return setError(parsed.error.issues[0]?.message ?? "Choose a password");
    if (password !== again) return setError("The two passwords differ");
    try {
      await placeApi.resetPassword(token, password);
      setDone(true);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const leave = () => {
    history.replaceState(null, "", location.pathname);
    onDone();
  };

  return (
    <main className="signin">
      <form className="signin__card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="reset-title">
        <h1 id="reset-title">Choose a new password</h1>
        {done ? (
          <>
            <p role="status">Your password is set. Every session of your account was signed out.</p>
            <button type="button" className="primary" onClick={leave}>Sign in</button>
          </>
        ) : link.state === "checking" ? (
          <p className="muted" role="status">Checking the link…</p>
        ) : link.state === "invalid" ? (
          <>
            <p className="error" role="alert">{link.error}. Ask an administrator for a new link.</p>
            <button type="button" className="primary" onClick={leave}>Back to sign-in</button>
          </>
        ) : (
          <>
            <p className="muted">
              For <strong>{link.whom.displayName || link.whom.username}</strong>
              {link.whom.displayName && <> (@{link.whom.username})</>} at {link.placeName}. The link works until {dateTime(link.whom.expiresAt)}.
            </p>
            {/* For password managers: the account the new password belongs to. */}
            <input type="text" name="username" autoComplete="username" value={link.whom.username} readOnly hidden />
            <label className="field"><span>New password</span>
              <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} /></label>
            <label className="field"><span>Repeat it</span>
              <input type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} /></label>
            {error && <p className="error" role="alert">{error}</p>}
            <button type="submit" className="primary">Set password</button>
            <button type="button" className="link" onClick={leave}>Back to sign-in</button>
          </>
        )}
      </form>
    </main>
  );
}
