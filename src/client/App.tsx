import { useCallback, useEffect, useState } from "react";
import type { SignedInUser } from "./api.js";
import { api } from "./api.js";
import { ChatApp } from "./components/ChatApp.js";
import { SignIn } from "./components/SignIn.js";

type Session = { phase: "checking" } | { phase: "error"; message: string } | { phase: "out" } | { phase: "in"; me: SignedInUser };

/** Restores the session from its cookie (GET /me), then shows sign-in or the chat. */
export function App() {
  const [session, setSession] = useState<Session>({ phase: "checking" });

  const check = useCallback(() => {
    setSession({ phase: "checking" });
    api.me().then(
      (me) => setSession(me ? { phase: "in", me } : { phase: "out" }),
      (error: unknown) => setSession({ phase: "error", message: error instanceof Error ? error.message : String(error) }),
    );
  }, []);
  useEffect(check, [check]);

  const signedOut = useCallback(() => {
    document.title = "Redis Chat";
    setSession({ phase: "out" });
  }, []);

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
      // POST /login answers without the role: GET /me has it (an administrator sees the admin screens).
      return <SignIn onSignedIn={(me) => void api.me().then((full) => full ?? me, () => me).then((user) => setSession({ phase: "in", me: user }))} />;
    case "in":
      return <ChatApp key={session.me.id} me={session.me} onSignedOut={signedOut} />;
  }
}
