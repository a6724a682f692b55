import { useCallback, useEffect, useRef, useState } from "react";
import type { SignedInUser } from "./api.js";
import { api } from "./api.js";
import { ChatApp } from "./components/ChatApp.js";
import { SignIn } from "./components/SignIn.js";
import type { SetupState } from "../protocol/index.js";
import { backoffMs } from "./lib/catchUp.js";
import { setPlaceName } from "./lib/placeName.js";
import { rememberEndedAtStart } from "./lib/signedOutNotice.js";
import { placeApi } from "./setup/api.js";
import { ResetPassword } from "./setup/ResetPassword.js";
import "./setup/setup.css";
import { SetupScreen } from "./setup/SetupScreen.js";
import { storedOutboxes } from "./useOutbox.js";

type Session =
  | { phase: "checking" }
  /** The first load failed `failures` times in a row (the network or the server was down). */
  | { phase: "error"; message: string; failures: number }
  /** Signed out: `place` says whether to set up first, and which demo accounts to offer. */
  | { phase: "out"; place: SetupState; setup: boolean }
  | { phase: "in"; me: SignedInUser };

/** `?reset=TOKEN`: an administrator's password reset link. */
const resetToken = () => new URLSearchParams(location.search).get("reset");

/**
 * Restores the session from its cookie (GET /me), then shows sign-in (saying why a session ended) or
 * the chat. When that first load fails, it is tried again by itself: at once when the browser is back
 * online, and with a growing wait meanwhile (the server may be what was down).
 */
export function App() {
  const [session, setSession] = useState<Session>({ phase: "checking" });
  // Only the newest load decides (a click on "Try again" while a try of its own is on its way).
  const newestLoad = useRef(0);

  const load = useCallback((failures: number) => {
    const mine = ++newestLoad.current;
    const settle = (next: Session) => {
      if (newestLoad.current === mine) setSession(next);
    };
    api.session().then(
      ({ me, ended }) => me
        ? settle({ phase: "in", me })
        : placeApi.state().then((place) => {
          if (newestLoad.current !== mine) return;
          if (ended) rememberEndedAtStart(ended);
          document.title = place.placeName;
          setPlaceName(place.placeName);
          settle({ phase: "out", place, setup: place.locked });
        }),
    ).catch((error: unknown) => settle({ phase: "error", message: error instanceof Error ? error.message : String(error), failures: failures + 1 }));
  }, []);
  const check = useCallback(() => {
    setSession({ phase: "checking" });
    load(0);
  }, [load]);
  useEffect(check, [check]);

  // On the error screen: try again quietly (the screen stays until a try succeeds).
  useEffect(() => {
    if (session.phase !== "error") return;
    let tried = false;
    const retry = () => {
      if (tried) return;
      tried = true;
      load(session.failures);
    };
    const timer = setTimeout(retry, backoffMs(session.failures));
    window.addEventListener("online", retry);
    return () => {
      clearTimeout(timer);
      window.removeEventListener("online", retry);
    };
  }, [session, load]);

  const signedOut = useCallback(() => check(), [check]);
  const [reset, setReset] = useState(resetToken);

  switch (session.phase) {
    case "checking":
      return <div className="splash" role="status">Loading…</div>;
    case "error":
      return (
        <div className="splash">
          <p className="error" role="alert">{session.message}</p>
          <p className="muted">This page keeps trying by itself.</p>
          <UnsentKept />
          <button type="button" className="primary" onClick={check}>Try again</button>
        </div>
      );
    case "out":
      if (reset) return <ResetPassword token={reset} onDone={() => setReset(null)} />;
      if (session.setup) {
        return <SetupScreen onDone={(me) => setSession({ phase: "in", me })}
          onBack={session.place.locked ? undefined : () => setSession({ ...session, setup: false })} />;
      }
      // POST /login answers without the role: GET /me has it (an administrator sees the admin screens).
      return <SignIn place={session.place} onSetUp={() => setSession({ ...session, setup: true })} onSignedIn={(me) => void api.me().then((full) => full ?? me, () => me).then((user) => setSession({ phase: "in", me: user }))} />;
    case "in":
      return <ChatApp key={session.me.id} me={session.me} onSignedOut={signedOut} />;
  }
}

/** The messages this browser keeps unsent (its outbox, in localStorage): they are sent once the chat loads. */
function UnsentKept() {
  const count = storedOutboxes().reduce((sum, o) => sum + o.texts.length, 0);
  if (!count) return null;
  return (
    <p className="muted">
      {count === 1 ? "1 unsent message is kept in this browser; it" : `${count} unsent messages are kept in this browser; they`} will be sent when the connection is back.
    </p>
  );
}
