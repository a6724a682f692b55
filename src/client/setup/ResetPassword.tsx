import { useState, type FormEvent } from "react";
import { NewPassword } from "../../protocol/index.js";
import { errorText } from "../components/Dialog.js";
import { placeApi } from "./api.js";

/** `?reset=TOKEN`: an administrator's one-time link; setting the password ends every session of the account. */
export function ResetPassword({ token, onDone }: { token: string; onDone: () => void }) {
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

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
        ) : (
          <>
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
