import { useEffect, useId, useState, type ReactNode } from "react";
import type { AdminUser, PasswordResetLink, Profile } from "../../protocol/index.js";
import { Avatar } from "../components/Avatar.js";
import { CopyLink } from "../components/CopyLink.js";
import { Dialog, errorText } from "../components/Dialog.js";
import { dateTime } from "../lib/time.js";
import { profileApi, shownName } from "./api.js";
import { announceProfile } from "./bus.js";
import { localTime } from "./localTime.js";
import { usePresenceAlertsContext } from "./presenceAlerts.js";

/**
 * A person's card (issue 18), opened by clicking a name or an avatar: display name, username,
 * title, status, local time, online state, "Message", and for administrators the account actions
 * (promote or demote and deactivate, each asked first; reactivate; a one-time password reset link).
 */
export function ProfileCard({ userId, meId, admin, onMessage, onClose }: {
  userId: number;
  meId: number;
  admin: boolean;
  onMessage: (profile: Profile) => void;
  onClose: () => void;
}) {
  const [profile, setProfile] = useState<Profile | AdminUser | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reset, setReset] = useState<PasswordResetLink | null>(null);
  // An account action asked first: a change of role, a deactivation.
  const [confirming, setConfirming] = useState<"role" | "deactivate" | null>(null);
  const resetLabel = useId();
  const alerts = usePresenceAlertsContext();
  useEffect(() => {
    profileApi.of(userId).then(setProfile, (e: unknown) => setError(errorText(e)));
  }, [userId]);

  /** True when the action succeeded. */
  const act = async (work: () => Promise<Profile | AdminUser | PasswordResetLink>): Promise<boolean> => {
    setError(null);
    try {
      const answer = await work();
      if ("url" in answer) setReset(answer);
      else {
        setProfile(answer);
        // Lists showing this person (People, Accounts) update now, not only when the socket says so.
        announceProfile(answer);
      }
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    }
  };

  const confirmed = (work: () => Promise<Profile | AdminUser>) => void act(work).then((done) => done && setConfirming(null));
  const name = profile ? shownName(profile) : "Profile";
  const time = profile ? localTime(profile.timeZone, new Date()) : null;
  const self = userId === meId;
  return (
    <Dialog title={name} onClose={onClose}>
      {!profile && !error && <p className="muted" role="status">Loading…</p>}
      {profile && (
        <div className="profile-card">
          <div className="profile-card__head">
            <Avatar name={name} id={profile.id} size={56} online={profile.online} src={profile.avatarUrl} />
            <div>
              <p className="profile-card__name">{name}</p>
              <p className="muted">@{profile.username}{profile.role === "admin" ? " · administrator" : ""}</p>
              {profile.title && <p>{profile.title}</p>}
            </div>
          </div>
          <dl className="profile-card__facts">
            <dt>Status</dt><dd>{profile.status || <span className="muted">None</span>}</dd>
            <dt>Now</dt><dd>{profile.deactivated ? "Deactivated" : profile.online ? "Online" : "Offline"}</dd>
            {time && <><dt>Local time</dt><dd>{time} <span className="muted small">({profile.timeZone})</span></dd></>}
          </dl>
          {!self && !profile.deactivated && (
            <button type="button" className="primary" onClick={() => onMessage(profile)}>Message</button>
          )}
          {!self && !profile.deactivated && profile.role !== "bot" && alerts?.loaded && (
            <label className="profile-card__alert">
              <input type="checkbox" checked={alerts.watching(profile.id)}
                onChange={(e) => { setError(null); alerts.set(profile.id, e.target.checked).catch((err: unknown) => setError(errorText(err))); }} />
              Notify me when {name} comes online
            </label>
          )}
          {admin && !self && profile.role !== "bot" && (
            <section className="profile-card__admin" aria-label="Account actions">
              {confirming !== "role" && (
                <button type="button" className="ghost" onClick={() => setConfirming("role")}>
                  {profile.role === "admin" ? "Make member…" : "Make administrator…"}
                </button>
              )}
              {profile.deactivated ? (
                <button type="button" className="ghost" onClick={() => void act(() => profileApi.patchUser(profile.id, { deactivated: false }))}>Reactivate</button>
              ) : confirming !== "deactivate" && (
                <button type="button" className="danger-ghost" onClick={() => setConfirming("deactivate")}>Deactivate…</button>
              )}
              <button type="button" className="ghost" onClick={() => void act(() => profileApi.resetLink(profile.id))}>Password reset link</button>
              {profile.avatarUrl && (
                <button type="button" className="ghost" onClick={() => void act(() => profileApi.removeAvatarOf(profile.id))}>Remove picture</button>
              )}
              {confirming === "role" && (
                // Asked first: full administration (or its loss) is not a thing to grant by a slip of the hand.
                profile.role === "admin" ? (
                  <ConfirmAction label={`Make ${name} a member`} confirm="Confirm" onCancel={() => setConfirming(null)}
                    onConfirm={() => confirmed(() => profileApi.patchUser(profile.id, { role: "member" }))}>
                    Make <strong>{name}</strong> a member? They will no longer be able to ban people, change the place's settings, make invitations or manage accounts.
                  </ConfirmAction>
                ) : (
                  <ConfirmAction label={`Make ${name} an administrator`} confirm="Confirm" onCancel={() => setConfirming(null)}
                    onConfirm={() => confirmed(() => profileApi.patchUser(profile.id, { role: "admin" }))}>
                    Make <strong>{name}</strong> an administrator? They will be able to ban people, change the place's settings, make and revoke invitations, and manage every account, other administrators' included.
                  </ConfirmAction>
                )
              )}
              {confirming === "deactivate" && !profile.deactivated && (
                // Asked first, as a ban is: it signs the person out everywhere at once.
                <ConfirmAction label={`Deactivate ${profile.username}`} confirm={`Deactivate ${profile.username}`} danger onCancel={() => setConfirming(null)}
                  onConfirm={() => confirmed(() => profileApi.patchUser(profile.id, { deactivated: true }))}>
                  Deactivate <strong>{profile.username}</strong>? They are signed out everywhere at once and cannot sign in until the account is reactivated. Their messages stay.
                </ConfirmAction>
              )}
              {reset && (
                <div className="field profile-card__reset">
                  <span id={resetLabel}>One-time link (expires {dateTime(reset.expiresAt)})</span>
                  <CopyLink url={reset.url} labelledBy={resetLabel} />
                </div>
              )}
            </section>
          )}
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </Dialog>
  );
}

/** "Deactivate bob? …" with Cancel (focused first: the safe answer) and the action, in the card. */
function ConfirmAction({ label, confirm, danger = false, onConfirm, onCancel, children }: {
  label: string;
  confirm: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children: ReactNode;
}) {
  return (
    <form className="profile-card__confirm" aria-label={label} onSubmit={(e) => { e.preventDefault(); onConfirm(); }}>
      <p className="small">{children}</p>
      <div className="form__actions">
        <button type="button" className="ghost ghost--small" autoFocus onClick={onCancel}>Cancel</button>
        <button type="submit" className={danger ? "danger ghost--small" : "primary ghost--small"}>{confirm}</button>
      </div>
    </form>
  );
}
