import { useEffect, useId, useState } from "react";
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
 * (promote or demote, deactivate or reactivate, a one-time password reset link).
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
  const [confirmingDeactivate, setConfirmingDeactivate] = useState(false);
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
              <button type="button" className="ghost" onClick={() => void act(() => profileApi.patchUser(profile.id, { role: profile.role === "admin" ? "member" : "admin" }))}>
                {profile.role === "admin" ? "Make member" : "Make administrator"}
              </button>
              {profile.deactivated ? (
                <button type="button" className="ghost" onClick={() => void act(() => profileApi.patchUser(profile.id, { deactivated: false }))}>Reactivate</button>
              ) : !confirmingDeactivate && (
                <button type="button" className="danger-ghost" onClick={() => setConfirmingDeactivate(true)}>Deactivate…</button>
              )}
              <button type="button" className="ghost" onClick={() => void act(() => profileApi.resetLink(profile.id))}>Password reset link</button>
              {profile.avatarUrl && (
                <button type="button" className="ghost" onClick={() => void act(() => profileApi.removeAvatarOf(profile.id))}>Remove picture</button>
              )}
              {confirmingDeactivate && !profile.deactivated && (
                // Asked first, as a ban is: it signs the person out everywhere at once.
                <form className="profile-card__confirm" aria-label={`Deactivate ${profile.username}`}
                  onSubmit={(e) => { e.preventDefault(); void act(() => profileApi.patchUser(profile.id, { deactivated: true })).then((done) => done && setConfirmingDeactivate(false)); }}>
                  <p className="small">Deactivate <strong>{profile.username}</strong>? They are signed out everywhere at once and cannot sign in until the account is reactivated. Their messages stay.</p>
                  <div className="form__actions">
                    <button type="button" className="ghost ghost--small" autoFocus onClick={() => setConfirmingDeactivate(false)}>Cancel</button>
                    <button type="submit" className="danger ghost--small">Deactivate {profile.username}</button>
                  </div>
                </form>
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
