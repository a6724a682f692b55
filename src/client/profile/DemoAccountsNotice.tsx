import { useEffect, useState } from "react";
import { errorText } from "../components/Dialog.js";
import { placeApi } from "../setup/api.js";
import { profileApi } from "./api.js";

/**
 * For administrators, while any demo account still opens with the published password: says so,
 * with one action that deactivates them all (the seed's keys stay; `GET /setup` stops offering them).
 */
export function DemoAccountsNotice() {
  const [demo, setDemo] = useState<{ usernames: string[]; password: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let cancelled = false;
    placeApi.state().then((state) => !cancelled && setDemo(state.demo), () => {});
    return () => void (cancelled = true);
  }, []);
  if (!demo || demo.usernames.length === 0) return null;
  const deactivate = async () => {
    setBusy(true);
    try {
      await profileApi.deactivateDemoAccounts();
      setDemo(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="admin__demo" role="region" aria-label="Demo accounts">
      <p>
        The demo accounts {demo.usernames.join(", ")} still sign in with the published password “{demo.password}”:
        anyone can use them.
      </p>
      {error && <p className="error" role="alert">{error}</p>}
      <button type="button" className="primary" disabled={busy} onClick={() => void deactivate()}>Deactivate the demo accounts</button>
    </div>
  );
}
