import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from "react";
import { AVATAR_MAX_BYTES, AVATAR_TYPES, NewPassword, type PlaceSettings, type Profile, type SessionInfo } from "../../protocol/index.js";
import { Avatar } from "../components/Avatar.js";
import { ConfirmDialog } from "../components/ConfirmDialog.js";
import { Dialog, errorText } from "../components/Dialog.js";
import { clearSignedOutNotice, rememberSignedOutHere, rememberSignedOutNotice } from "../lib/signedOutNotice.js";
import { dateTime } from "../lib/time.js";
import { rememberAvatarUrls } from "../lib/avatarPictures.js";
import { profileApi } from "../profile/api.js";
import { deviceTimeZone } from "../profile/timeZone.js";
import { currentZoneName, zoneChoices } from "../profile/zoneChoices.js";
import { NotificationDefaults } from "../notifications/NotificationDefaults.js";
import { placeApi } from "../setup/api.js";
import { sessionsApi } from "./api.js";
import { deviceName } from "./device.js";
import { applyTheme, storedTheme, type Theme } from "./theme.js";
import { unsavedProfileChanges, unsavedSentence, type ProfileFields } from "./unsaved.js";

type Tab = "profile" | "password" | "sessions" | "preferences" | "notifications";

const zones = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
  } catch {
    return [];
  }
})();

/** The types the server takes as a picture (it sniffs the bytes; this only filters the chooser). */
const PICTURE_TYPES = AVATAR_TYPES.join(",");

/**
 * Choose, preview or remove one's picture. The chosen picture is only previewed here (the centred
 * square the server will keep); "Save profile" uploads it, so one Save never leaves it pending.
 */
function PictureField({ profile, chosen, onChoose, onChange, disabled }: {
  profile: Profile; chosen: File | null; onChoose: (file: File | null) => void; onChange: (profile: Profile) => void; disabled: boolean;
}) {
  const [preview, setPreview] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ error?: string; done?: string }>({});
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!chosen) {
      setPreview(null);
      if (input.current) input.current.value = "";
      return;
    }
    const url = URL.createObjectURL(chosen);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [chosen]);
  const choose = (file: File | undefined) => {
    setStatus({});
    if (!file) return;
    if (file.size > AVATAR_MAX_BYTES) {
      setStatus({ error: `That picture is larger than ${AVATAR_MAX_BYTES / 1024 / 1024} MB.` });
      return;
    }
    onChoose(file);
  };
  const remove = async () => {
    setBusy(true);
    setStatus({});
    try {
      const updated = await profileApi.removeAvatar();
      rememberAvatarUrls([updated]);
      onChange(updated);
      setStatus({ done: "Picture removed." });
    } catch (e) {
      setStatus({ error: errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  const name = profile.displayName || profile.username;
  const off = busy || disabled;
  return (
    <fieldset className="settings__picture">
      <legend>Picture</legend>
      <div className="settings__picture-row">
        {preview
          ? <img className="settings__preview" src={preview} width={72} height={72} alt="Preview of your new picture" />
          : <Avatar name={name} id={profile.id} size={72} src={profile.avatarUrl} />}
        <div className="settings__picture-actions">
          <label className="ghost file-choose">
            {profile.avatarUrl || chosen ? "Choose another picture" : "Choose a picture"}
            <input ref={input} type="file" accept={PICTURE_TYPES} disabled={off}
              onChange={(e) => choose(e.target.files?.[0])} />
          </label>
          {chosen && <button type="button" className="ghost" disabled={off} onClick={() => onChoose(null)}>Keep the current picture</button>}
          {!chosen && profile.avatarUrl && (
            <button type="button" className="danger-ghost" disabled={off} onClick={() => void remove()}>Remove picture</button>
          )}
        </div>
      </div>
      {chosen && <p className="small" role="status">New picture chosen: “Save profile” saves it.</p>}
      <p className="muted small">JPEG, PNG, GIF, WebP or AVIF, up to {AVATAR_MAX_BYTES / 1024 / 1024} MB; the centre square is kept. Without one, your initials show.</p>
      {status.error && <p className="error" role="alert">{status.error}</p>}
      {status.done && <p role="status">{status.done}</p>}
    </fieldset>
  );
}

/** "in 3 h 59 min": how long until a status clears itself. */
export function remaining(expiresAt: number, now = Date.now()): string {
  const minutes = Math.max(1, Math.ceil((expiresAt - now) / 60_000));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `in ${h ? `${h} h` : ""}${h && m ? " " : ""}${m || !h ? `${m} min` : ""}`;
}

/** The "Clear after" choice that keeps the expiry already set (the select shows it as remaining time). */
const KEEP = "keep";

/** The form's fields as the profile has them (what "unsaved" is measured against). */
function savedFields(p: Profile): ProfileFields {
  return { displayName: p.displayName, title: p.title, status: p.status, statusHours: p.statusExpiresAt ? KEEP : "", timeZone: currentZoneName(p.timeZone) };
}

/** A form tells the dialog what it holds unsaved ([] when nothing), so closing can ask first. */
type OnUnsaved = (changes: string[]) => void;

function ProfileForm({ onUnsaved }: { onUnsaved: OnUnsaved }) {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [status, setStatus] = useState<{ error?: string; saved?: boolean }>({});
  const [busy, setBusy] = useState(false);
  const [picture, setPicture] = useState<File | null>(null);
  const [draft, setDraft] = useState({ displayName: "", title: "", status: "", statusHours: "", timeZone: "" });
  useEffect(() => {
    profileApi.mine().then((p) => {
      setProfile(p);
      setDraft(savedFields(p));
    }, (e: unknown) => setStatus({ error: errorText(e) }));
  }, []);
  // Measured against what was saved last (the draft's expiry choice becomes "keep" once saved with one).
  const [saved, setSaved] = useState<ProfileFields | null>(null);
  useEffect(() => {
    if (profile && saved === null) setSaved(savedFields(profile));
  }, [profile, saved]);
  const unsaved = profile && saved ? unsavedProfileChanges(saved, draft, picture !== null) : [];
  const unsavedKey = unsaved.join(",");
  useEffect(() => onUnsaved(unsavedKey ? unsavedKey.split(",") : []), [unsavedKey, onUnsaved]);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || !profile) return;
    setBusy(true);
    setStatus({});
    try {
      // The picture first: "Saved." must mean everything on the form, the picture included.
      if (picture) {
        const withPicture = await profileApi.setAvatar(picture, picture.name);
        rememberAvatarUrls([withPicture]);
        setProfile(withPicture);
        setPicture(null);
      }
      const hours = Number(draft.statusHours);
      const expiresAt = !draft.status ? null
        : draft.statusHours === KEEP ? profile.statusExpiresAt
        : hours > 0 ? Date.now() + hours * 3_600_000 : null;
      const updated = await profileApi.update({
        // "Automatic" saves the device's zone: others see a local time on the person's card.
        displayName: draft.displayName, title: draft.title, status: draft.status, timeZone: draft.timeZone || deviceTimeZone(),
        statusExpiresAt: expiresAt && expiresAt > Date.now() ? expiresAt : null,
      });
      setProfile(updated);
      const nextHours = updated.statusExpiresAt ? KEEP : draft.statusHours === KEEP ? "" : draft.statusHours;
      setDraft((d) => ({ ...d, statusHours: nextHours, timeZone: currentZoneName(updated.timeZone) }));
      setSaved({ ...savedFields(updated), statusHours: nextHours });
      setStatus({ saved: true });
    } catch (e) {
      setStatus({ error: errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  const device = deviceTimeZone();
  const choices = useMemo(() => zoneChoices(zones, new Date()), []);
  const offered = useMemo(() => new Set(choices.flatMap((g) => g.zones.map((z) => z.value))), [choices]);
  const field = (name: keyof typeof draft) => ({ value: draft[name], onChange: (e: { target: { value: string } }) => { setStatus({}); setDraft({ ...draft, [name]: e.target.value }); } });
  if (!profile) return status.error ? <p className="error" role="alert">{status.error}</p> : <p className="muted" role="status">Loading…</p>;
  return (
    <form className="form settings__section" aria-label="Profile" onSubmit={(e) => void save(e)} noValidate>
      <PictureField profile={profile} chosen={picture} onChoose={(f) => { setStatus({}); setPicture(f); }} onChange={setProfile} disabled={busy} />
      <p className="muted small">You sign in and are @mentioned as <strong>@{profile.username}</strong>; everyone sees your display name.</p>
      <label className="field"><span>Display name</span><input maxLength={64} placeholder={profile.username} {...field("displayName")} /></label>
      <label className="field"><span>Title</span><input maxLength={100} placeholder="What you do here" {...field("title")} /></label>
      <div className="settings__status">
        <label className="field"><span>Status</span><input maxLength={100} placeholder="In a meeting" {...field("status")} /></label>
        <label className="field"><span>Clear after</span>
          <select {...field("statusHours")}>
            {profile.statusExpiresAt && <option value={KEEP}>{remaining(profile.statusExpiresAt)}</option>}
            <option value="">Never</option><option value="1">1 hour</option><option value="4">4 hours</option><option value="24">Today</option>
          </select></label>
      </div>
      <label className="field"><span>Time zone</span>
        <select {...field("timeZone")}>
          <option value="">{device ? `Automatic (${device})` : "Not set"}</option>
          {draft.timeZone && !offered.has(draft.timeZone) && <option value={draft.timeZone}>{draft.timeZone}</option>}
          {choices.map((group) => (
            <optgroup key={group.region} label={group.region}>
              {group.zones.map((z) => <option key={z.value} value={z.value}>{z.value === device ? `${z.label}, this device` : z.label}</option>)}
            </optgroup>
          ))}
        </select></label>
      {draft.timeZone && device && draft.timeZone !== device && (
        <p className="muted small">Times here show in this device's zone, {device}; others see your local time in {draft.timeZone}.</p>
      )}
      {status.error && <p className="error" role="alert">{status.error}</p>}
      {status.saved && <p role="status">Saved.</p>}
      <div className="form__actions"><button type="submit" className="primary" disabled={busy}>{busy ? (picture ? "Uploading…" : "Saving…") : "Save profile"}</button></div>
    </form>
  );
}

function PasswordForm({ onUnsaved }: { onUnsaved: OnUnsaved }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [status, setStatus] = useState<{ error?: string; done?: boolean }>({});
  const typed = next !== "";
  useEffect(() => onUnsaved(typed ? ["new password"] : []), [typed, onUnsaved]);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = NewPassword.safeParse(next);
    if (!parsed.success) return setStatus({ error: parsed.error.issues[0]?.message });
    try {
      await profileApi.changePassword(current, next);
      setCurrent("");
      setNext("");
      setStatus({ done: true });
    } catch (e) {
      setStatus({ error: errorText(e) });
    }
  };
  return (
    <form className="form settings__section" aria-label="Password" onSubmit={(e) => void submit(e)} noValidate>
      <label className="field"><span>Current password</span>
        <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} /></label>
      <label className="field"><span>New password</span>
        <input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} /></label>
      <p className="muted small">8 to 72 characters (72 bytes). Your other sessions are signed out.</p>
      {status.error && <p className="error" role="alert">{status.error}</p>}
      {status.done && <p role="status">Password changed; your other sessions were signed out.</p>}
      <div className="form__actions"><button type="submit" className="primary">Change password</button></div>
    </form>
  );
}

function Sessions({ onSignedOut }: { onSignedOut: () => void }) {
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  // "Sign out everywhere" asks first: it ends this session too, and every device's.
  const [confirmingEverywhere, setConfirmingEverywhere] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => sessionsApi.list().then(setSessions, (e: unknown) => setError(errorText(e))), []);
  useEffect(() => void load(), [load]);
  const run = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <section className="settings__section" aria-label="Sessions">
      {error && <p className="error" role="alert">{error}</p>}
      {sessions === null ? <p className="muted" role="status">Loading…</p> : (
        <ul className="settings__sessions">
          {/* This one first (the server lists it so too; an older server did not). */}
          {[...sessions].sort((a, b) => Number(b.current) - Number(a.current)).map((s) => (
            <li key={s.handle}>
              <span>{deviceName(s.userAgent)}{s.current ? " (this one)" : ""}
                <span className="muted small"> · {s.current ? "in use now" : `last used ${s.lastSeenAt ? dateTime(s.lastSeenAt) : "unknown"}`}</span>
                {/* When and where it signed in: what tells two alike browsers apart. */}
                {(s.createdAt !== null || s.address) && (
                  <span className="muted small settings__session-origin">
                    Signed in{s.createdAt !== null ? ` ${dateTime(s.createdAt)}` : ""}{s.address ? ` from ${s.address}` : ""}
                  </span>
                )}</span>
              {!s.current && <button type="button" className="ghost ghost--small" onClick={() => void run(() => sessionsApi.end(s.handle))}>Sign out</button>}
            </li>
          ))}
        </ul>
      )}
      <div className="settings__row">
        <button type="button" className="ghost" onClick={() => void run(sessionsApi.endOthers)}>Sign out other sessions</button>
        <button type="button" className="danger-ghost" aria-haspopup="dialog" onClick={() => setConfirmingEverywhere(true)}>Sign out everywhere…</button>
      </div>
      {confirmingEverywhere && (
        <ConfirmDialog title="Sign out everywhere?" confirmLabel="Sign out everywhere" onCancel={() => setConfirmingEverywhere(false)}
          onConfirm={async () => {
            // Said before asking: this tab's own socket is told "signed out" too, maybe before the answer.
            rememberSignedOutNotice({ text: "You signed out on every device, this one included.", code: "signed-out-everywhere" });
            try {
              await sessionsApi.endEverywhere();
            } catch (e) {
              clearSignedOutNotice();
              throw e;
            }
            rememberSignedOutHere();
            onSignedOut();
          }}>
          <p>Every session of yours ends{sessions ? ` (${sessions.length === 1 ? "this one" : `${sessions.length}, this one included`})` : ""}: each device goes back to the sign-in page and says why.</p>
          <p className="muted small">What is typed there and not sent yet stays in that browser until you sign in again.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function Preferences() {
  const [theme, setTheme] = useState<Theme>(storedTheme);
  const choose = (next: Theme) => {
    setTheme(next);
    applyTheme(next);
  };
  return (
    <section className="settings__section" aria-label="Theme">
      <fieldset className="setup__join">
        <legend>Theme</legend>
        {(["system", "light", "dark"] as const).map((t) => (
          <label key={t} className="setup__choice">
            <input type="radio" name="theme" checked={theme === t} onChange={() => choose(t)} /> {t === "system" ? "As the system" : t === "light" ? "Light" : "Dark"}
          </label>
        ))}
      </fieldset>
    </section>
  );
}

/** The default level of named rooms for this person (the place's, or their own). */
function Notifications() {
  const [place, setPlace] = useState<PlaceSettings | null>(null);
  useEffect(() => void placeApi.settings().then(setPlace, () => {}), []);
  return (
    <section className="settings__section" aria-label="Notifications">
      <NotificationDefaults placeDefault={place?.defaultNotificationLevel ?? null} />
    </section>
  );
}

/**
 * Settings for oneself (issue 18): profile, password, sessions, theme and the default notification
 * level. A tab, once opened, stays mounted (hidden) while another is shown, so switching tabs keeps
 * what was typed; closing with something unsaved (a chosen picture, an edited field, a new
 * password typed) asks first, inside the dialog: "Keep editing" or "Discard changes".
 */
export default function SettingsDialog({ onClose, onSignedOut }: { onClose: () => void; onSignedOut: () => void }) {
  const [tab, setTab] = useState<Tab>("profile");
  const [opened, setOpened] = useState<ReadonlySet<Tab>>(() => new Set(["profile"]));
  const [unsaved, setUnsaved] = useState<{ profile: string[]; password: string[] }>({ profile: [], password: [] });
  const [confirming, setConfirming] = useState(false);
  const onProfileUnsaved = useCallback((changes: string[]) => setUnsaved((u) => ({ ...u, profile: changes })), []);
  const onPasswordUnsaved = useCallback((changes: string[]) => setUnsaved((u) => ({ ...u, password: changes })), []);
  const changes = [...unsaved.profile, ...unsaved.password];
  // Escape, the close button or the backdrop: closes, or asks when something is unsaved; Escape
  // while asking goes back to editing.
  const requestClose = () => {
    if (confirming) setConfirming(false);
    else if (changes.length > 0) setConfirming(true);
    else onClose();
  };
  const show = (id: Tab) => {
    setTab(id);
    setOpened((o) => (o.has(id) ? o : new Set(o).add(id)));
  };
  const tabs: [Tab, string][] = [["profile", "Profile"], ["password", "Password"], ["sessions", "Sessions"], ["preferences", "Theme"], ["notifications", "Notifications"]];
  const panes: Record<Tab, ReactNode> = {
    profile: <ProfileForm onUnsaved={onProfileUnsaved} />,
    password: <PasswordForm onUnsaved={onPasswordUnsaved} />,
    sessions: <Sessions onSignedOut={onSignedOut} />,
    preferences: <Preferences />,
    notifications: <Notifications />,
  };
  return (
    <Dialog title="Settings" onClose={requestClose} wide
      footer={confirming && changes.length > 0 ? (
        <DiscardChanges changes={changes} onKeep={() => setConfirming(false)} onDiscard={onClose}
          onShow={() => show(unsaved.profile.length > 0 ? "profile" : "password")} />
      ) : undefined}>
      <div className="tabs" role="tablist" aria-label="Settings">
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" id={`settings-tab-${id}`} aria-selected={tab === id} aria-controls={`settings-pane-${id}`}
            className={`tab${tab === id ? " tab--on" : ""}`} onClick={() => show(id)}>{label}</button>
        ))}
      </div>
      {tabs.filter(([id]) => opened.has(id)).map(([id]) => (
        <div key={id} role="tabpanel" id={`settings-pane-${id}`} aria-labelledby={`settings-tab-${id}`} hidden={tab !== id}>
          {panes[id]}
        </div>
      ))}
    </Dialog>
  );
}

/** "Discard unsaved changes?" at the foot of the dialog: focus goes to "Keep editing" (the safe choice). */
function DiscardChanges({ changes, onKeep, onDiscard, onShow }: { changes: string[]; onKeep: () => void; onDiscard: () => void; onShow: () => void }) {
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    onShow();
    keep.current?.focus();
  // Once, when it appears.
  }, []);
  return (
    <div className="settings__discard" role="alertdialog" aria-labelledby="settings-discard-title" aria-describedby="settings-discard-text">
      <p><strong id="settings-discard-title">Discard unsaved changes?</strong>{" "}
        <span id="settings-discard-text">{unsavedSentence(changes)}</span></p>
      <div className="settings__discard-actions">
        <button ref={keep} type="button" className="ghost" onClick={onKeep}>Keep editing</button>
        <button type="button" className="danger" onClick={onDiscard}>Discard changes</button>
      </div>
    </div>
  );
}
