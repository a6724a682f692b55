import { useEffect, useState } from "react";
import type { ConnectionStatus } from "../state/chat.js";

/** Shown while the live connection is down; says so briefly when it is back. */
export function ConnectionBanner({ status, everConnected }: { status: ConnectionStatus; everConnected: boolean }) {
  const [showBack, setShowBack] = useState(false);
  const [wasDown, setWasDown] = useState(false);
  const [slowStart, setSlowStart] = useState(false);

  useEffect(() => {
    if (status !== "online") {
      if (everConnected) setWasDown(true);
      return;
    }
    if (!wasDown) return;
    setWasDown(false);
    setShowBack(true);
    const timer = setTimeout(() => setShowBack(false), 2500);
    return () => clearTimeout(timer);
  }, [status, everConnected, wasDown]);

  useEffect(() => {
    if (everConnected) return;
    const timer = setTimeout(() => setSlowStart(true), 2000);
    return () => clearTimeout(timer);
  }, [everConnected]);

  let text: string | null = null;
  let tone = "warn";
  if (status !== "online" && everConnected) text = "Connection lost. Reconnecting… Messages you send will wait.";
  else if (status !== "online" && slowStart) text = "Connecting…";
  else if (showBack) {
    text = "Back online.";
    tone = "ok";
  }
  return (
    <div className="banner-slot" role="status" aria-live="polite">
      {text && <div className={`banner banner--${tone}`}>{text}</div>}
    </div>
  );
}
