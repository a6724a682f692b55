import { useEffect, useId, useState } from "react";
import type { AdminUser } from "../../../protocol/index.js";
import { api } from "../../api.js";
import { useRegistrationMode } from "../../invite/registrationMode.js";

/**
 * The invitation links that still admit people (a suspended one admits nobody now), read each time
 * a ban is asked for; null until known (or when they could not be read: then nothing is offered).
 */
function useOpenInvitationLinks(): number | null {
  const [count, setCount] = useState<number | null>(null);
  useEffect(() => {
    let cancelled = false;
    api.invites().then((list) => !cancelled && setCount(list.filter((i) => !i.suspended).length), () => {});
    return () => {
      cancelled = true;
    };
  }, []);
  return count;
}

/**
 * In a ban's confirmation: the ways a banned person could come straight back with a new account.
 * Open invitation links, with "Also revoke open invitation links" (checked by the caller's default);
 * open sign-up, said with where to close it (the mode is never changed for them). Nothing when
 * accounts are made only by administrators, or nothing is open.
 */
function WaysBackIn({ links, revoke, onRevoke, onOpenPlace }: {
  links: number | null;
  revoke: boolean;
  onRevoke: (revoke: boolean) => void;
  onOpenPlace: () => void;
}) {
  const mode = useRegistrationMode();
  const linksNote = useId();
  if (mode === null || mode === "closed") return null;
  const open = links ?? 0;
  return (
    <>
      {mode === "open" && (
        <p className="small">
          Sign-up is open here: anyone can make a new account without an invitation, this person too. To close it, change who may sign up
          in <button type="button" className="link" onClick={onOpenPlace}>Administration → Place</button>.
        </p>
      )}
      {open > 0 && (
        <>
          <p className="small" id={linksNote}>
            {open === 1 ? "1 invitation link is open" : `${open} invitation links are open`}: anyone holding one can make a new account.
          </p>
          <label className="picker__row">
            <input type="checkbox" checked={revoke} aria-describedby={linksNote} onChange={(e) => onRevoke(e.target.checked)} />
            Also revoke open invitation links
          </label>
        </>
      )}
    </>
  );
}

/**
 * "Ban carol?" with its reason (kept in the audit log) and, when some are open, the ways back in
 * (see WaysBackIn). `onBan` gets the reason and whether to revoke the open invitation links too.
 */
export function BanConfirm({ user, onBan, onCancel, onOpenPlace }: {
  user: AdminUser;
  onBan: (reason: string, revokeInvitations: boolean) => void;
  onCancel: () => void;
  onOpenPlace: () => void;
}) {
  const [reason, setReason] = useState("");
  const [revoke, setRevoke] = useState(true);
  const links = useOpenInvitationLinks();
  return (
    <form className="admin__confirm" aria-label={`Ban ${user.username}`} onSubmit={(e) => { e.preventDefault(); onBan(reason, revoke && (links ?? 0) > 0); }}>
      <p className="small">Ban <strong>{user.username}</strong>? They are signed out everywhere at once and cannot sign in, post or use bot tokens until the ban is lifted.</p>
      <label className="field"><span>Reason (kept in the audit log)</span>
        <input autoFocus maxLength={500} value={reason} placeholder="e.g. spam in General" onChange={(e) => setReason(e.target.value)} /></label>
      <WaysBackIn links={links} revoke={revoke} onRevoke={setRevoke} onOpenPlace={onOpenPlace} />
      <div className="form__actions">
        <button type="button" className="ghost ghost--small" onClick={onCancel}>Cancel</button>
        <button type="submit" className="danger ghost--small">Ban {user.username}</button>
      </div>
    </form>
  );
}
