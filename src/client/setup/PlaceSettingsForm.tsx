import { useEffect, useState, type FormEvent } from "react";
import type { NotificationLevel, PlaceSettings, RegistrationMode } from "../../protocol/index.js";
import { errorText } from "../components/Dialog.js";
import { placeApi } from "./api.js";

/** The place's settings (administrators): name, who may join, named rooms' default notification level. */
export function PlaceSettingsForm() {
  const [settings, setSettings] = useState<PlaceSettings | null>(null);
  const [status, setStatus] = useState<{ error?: string; saved?: boolean }>({});
  useEffect(() => void placeApi.settings().then(setSettings, (e: unknown) => setStatus({ error: errorText(e) })), []);
  if (!settings) return status.error ? <p className="error" role="alert">{status.error}</p> : <p className="muted" role="status">Loading…</p>;
  const save = async (event: FormEvent) => {
    event.preventDefault();
    try {
      setSettings(await placeApi.updateSettings(settings));
      setStatus({ saved: true });
    } catch (e) {
      setStatus({ error: errorText(e) });
    }
  };
  return (
    <form className="form admin__section" aria-label="Place settings" onSubmit={(e) => void save(e)} noValidate>
      <label className="field"><span>Name of the place</span>
        <input maxLength={60} value={settings.placeName} onChange={(e) => setSettings({ ...settings, placeName: e.target.value })} /></label>
      <label className="field"><span>Who may join</span>
        <select value={settings.registration} onChange={(e) => setSettings({ ...settings, registration: e.target.value as RegistrationMode })}>
          <option value="invite">By invitation</option><option value="open">Anyone (open)</option><option value="closed">Only accounts administrators create</option>
        </select></label>
      <label className="field"><span>Named rooms notify of</span>
        <select value={settings.defaultNotificationLevel} onChange={(e) => setSettings({ ...settings, defaultNotificationLevel: e.target.value as NotificationLevel })}>
          <option value="mentions">Mentions</option><option value="all">Every message</option><option value="none">Nothing</option>
        </select></label>
      <p className="muted small">Changes hold at once, on every server; each person can still choose per room.</p>
      {status.error && <p className="error" role="alert">{status.error}</p>}
      {status.saved && <p role="status">Saved.</p>}
      <div className="form__actions"><button type="submit" className="primary">Save settings</button></div>
    </form>
  );
}
