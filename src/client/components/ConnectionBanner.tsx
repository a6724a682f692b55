import { useEffect, useReducer, useState } from "react";
import type { ConnectionStatus } from "../state/chat.js";
import { BACK_ONLINE_MS, connectionBannerText, connectionNoticeReducer } from "../state/connectionNotice.js";

/** Shown while the live connection is down; says so briefly when it is back. */
export function ConnectionBanner({ status, everConnected }: { status: ConnectionStatus; everConnected: boolean }) {
  const [notice, dispatch] = useReducer(connectionNoticeReducer, "connecting");
  const [slowStart, setSlowStart] = useState(false);

  useEffect(() => dispatch({ type: "status", status, everConnected }), [status, everConnected]);

  // Hangs on `back` alone: a new drop ends it early, nothing else does.
  useEffect(() => {
    if (notice !== "back") return;
    const timer = setTimeout(() => dispatch({ type: "settled" }), BACK_ONLINE_MS);
    return () => clearTimeout(timer);
  }, [notice]);

  useEffect(() => {
    if (everConnected) return;
    const timer = setTimeout(() => setSlowStart(true), 2000);
    return () => clearTimeout(timer);
  }, [everConnected]);

  const shown = connectionBannerText(notice, slowStart);
  return (
    <div className="banner-slot" role="status" aria-live="polite">
      {shown && <div className={`banner banner--${shown.tone}`}>{shown.text}</div>}
    </div>
  );
}
