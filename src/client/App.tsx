import { useCallback, useEffect, useState } from "react";
import type { SignedInUser } from "./api.js";
import { api } from "./api.js";
import { ChatApp } from "./components/ChatApp.js";
import { SignIn } from "./components/SignIn.js";
import type { SetupState } from "../protocol/index.js";
import { setPlaceName } from "./lib/placeName.js";
import { rememberEndedAtStart } from "./lib/signedOutNotice.js";
import { placeApi } from "./setup/api.js";
import { ResetPassword } from "./setup/ResetPassword.js";
import "./setup/setup.css";
import { SetupScreen } from "./setup/SetupScreen.js";

type Session =
  | { phase: "checking" }
  | { phase: "error"; message: string }
  /** Signed out: `place` says whether to set up first, and which demo accounts to offer. */
  | { phase: "out"; place: SetupState; setup: boolean }
  | { phase: "in"; me: SignedInUser };

/** `?reset=TOKEN`: an administrator's password reset link. */
const resetToken = () => new URLSearchParams(location.search).get("reset");

/** Restores the session from its cookie (GET /me), then shows sign-in (saying why a session ended) or the chat. */
export function App() {
  const [session, setSession] = useState<Session>({ phase: "checking" });

  const check = useCallback(() => {
    setSession({ phase: "checking" });
    api.session().then(
      ({ me, ended }) => me
        ? setSession({ phase: "in", me })
        : placeApi.state().then((place) => {
          if (ended) rememberEndedAtStart(ended);
          document.title = place.placeName;
          setPlaceName(place.placeName);
          setSession({ phase: "out", place, setup: place.locked });
        }),
      (error: unknown) => setSession({ phase: "error", message: error instanceof Error ? error.message : String(error) }),
    );
  }, []);
  useEffect(check, [check]);

  const signedOut = useCallback(() => check(), [check]);
  const [reset, setReset] = useState(resetToken);

  switch (session.phase) {
    case "checking":
      return <div className="splash" role="status">Loading…</div>;
    case "error":
      return (
        <div className="splash">
          <p className="error" role="alert">{session.message}</p>
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
