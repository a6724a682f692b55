import { useEffect, useRef, useState, type FormEvent } from "react";
import { MAX_ROOM_NAME_LENGTH, MAX_ROOM_TOPIC_LENGTH, type RoomDetails, type RoomVisibility, type UserWithPresence } from "../../protocol/index.js";
import type { ChatState } from "../state/chat.js";
import { sortMembers } from "../state/roomDetails.js";
import { isBanned, isDeactivated } from "../state/people.js";
import type { RoomActions } from "../useRoomActions.js";
import { Avatar } from "./Avatar.js";
import { BannedMark } from "./BannedMark.js";
import { DeactivatedMark } from "./DeactivatedMark.js";
import { errorText } from "./Dialog.js";
import { PeoplePicker } from "./PeoplePicker.js";
import { isPhoneLayout } from "../layout.js";

function Settings({ details, actions }: { details: RoomDetails; actions: RoomActions }) {
  const [name, setName] = useState(details.name);
  const [topic, setTopic] = useState(details.topic);
  const [visibility, setVisibility] = useState<RoomVisibility>(details.visibility);
  const [status, setStatus] = useState<{ error?: string; saved?: boolean; busy?: boolean }>({});
  // Someone else changed it meanwhile: show theirs.
  useEffect(() => {
    setName(details.name);
    setTopic(details.topic);
    setVisibility(details.visibility);
  }, [details.name, details.topic, details.visibility]);
  const group = details.kind === "group";
  const changed = (!group && name.trim() !== details.name) || topic.trim() !== details.topic || (!group && visibility !== details.visibility);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setStatus({ busy: true });
    try {
      await actions.update(details.id, {
        ...(!group && name.trim() !== details.name ? { name: name.trim() } : {}),
        ...(topic.trim() !== details.topic ? { topic: topic.trim() } : {}),
        ...(!group && visibility !== details.visibility ? { visibility } : {}),
      });
      setStatus({ saved: true });
    } catch (error) {
      setStatus({ error: errorText(error) });
    }
  };

  return (
    <form className="form" onSubmit={save} aria-label="Room settings">
      {!group && (
        <label className="field">
          <span>Name</span>
          <input value={name} maxLength={MAX_ROOM_NAME_LENGTH} onChange={(e) => { setName(e.target.value); setStatus({}); }} />
        </label>
      )}
      <label className="field">
        <span>Topic</span>
        <input value={topic} maxLength={MAX_ROOM_TOPIC_LENGTH} placeholder="No topic" onChange={(e) => { setTopic(e.target.value); setStatus({}); }} />
      </label>
      {!group && (
        <fieldset className="choice choice--inline">
          <legend>Who can join</legend>
          <label className="choice__option"><input type="radio" name="panel-visibility" checked={visibility === "open"} onChange={() => setVisibility("open")} /> Open</label>
          <label className="choice__option"><input type="radio" name="panel-visibility" checked={visibility === "closed"} onChange={() => setVisibility("closed")} /> Closed</label>
        </fieldset>
      )}
      {status.error && <p className="error" role="alert">{status.error}</p>}
      {status.saved && !changed && <p className="ok small" role="status">Saved.</p>}
      <div className="form__actions">
        <button type="submit" className="primary" disabled={!changed || status.busy}>Save changes</button>
      </div>
    </form>
  );
}

/**
 * About a room, beside it (over it on a phone): topic, members (online first), and for its managers
 * settings, adding and removing members and deleting it; for everyone, leaving.
 */
export function RoomPanel({ roomId, state, actions, onClose }: { roomId: string; state: ChatState; actions: RoomActions; onClose: () => void }) {
  const details = state.details[roomId];
  const [error, setError] = useState<string | null>(null);
  const [adding, setAdding] = useState<UserWithPresence[]>([]);
  const [confirmDelete, setConfirmDelete] = useState(false);
  useEffect(() => {
    setError(null);
    actions.loadDetails(roomId).catch((e: unknown) => setError(errorText(e)));
  }, [roomId, actions]);

  // Escape closes it, as it closes every dialog and sheet: from inside it, and on a phone, where it
  // covers the room, from anywhere (not while a dialog over it, or a list in it, takes the key).
  const panel = useRef<HTMLElement>(null);
  const latestClose = useRef(onClose);
  latestClose.current = onClose;
  useEffect(() => {
    // On a phone the panel is the screen: the keyboard and screen readers start in it.
    if (isPhoneLayout()) panel.current?.querySelector<HTMLElement>(".panel__head h2")?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      const target = event.target instanceof Element ? event.target : null;
      if (target?.closest("dialog")) return;
      if (!isPhoneLayout() && !(target && panel.current?.contains(target))) return;
      event.preventDefault();
      latestClose.current();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const run = async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const title = details ? (details.kind === "group" ? "Group conversation" : details.name) : "Room";
  // Display names (issue 18) from what this tab knows: a room member carries only the username.
  const members = details ? sortMembers(details.members.map((m) => ({ ...m, name: state.users[m.id]?.displayName || m.username, online: state.users[m.id]?.online ?? m.online })), details.ownerId) : [];
  const canLeave = details && details.kind !== "general" && details.kind !== "private";
  return (
    <aside className="panel" aria-label="Room details" ref={panel}>
      <header className="panel__head">
        <h2 tabIndex={-1}>{title}</h2>
        <button type="button" className="icon-button" aria-label="Close room details" onClick={onClose}>✕</button>
      </header>
      <div className="panel__body">
        {!details && !error && <p className="muted" role="status">Loading…</p>}
        {error && <p className="error" role="alert">{error}</p>}
        {details && (
          <>
            <p className="muted small panel__meta">
              {details.kind === "group" ? "Closed group" : details.visibility === "open" ? "Open room: anyone can join" : "Closed room: members only"}
              {" · "}{details.memberCount} {details.memberCount === 1 ? "member" : "members"}
            </p>
            {details.canManage && (details.kind === "room" || details.kind === "group") ? (
              <section className="panel__section" aria-labelledby="panel-settings">
                <h3 id="panel-settings">Settings</h3>
                <Settings details={details} actions={actions} />
              </section>
            ) : details.topic ? (
              <p className="panel__topic">{details.topic}</p>
            ) : null}
            {details.kind !== "general" && (
              <section className="panel__section" aria-labelledby="panel-members">
                <h3 id="panel-members">Members</h3>
                <ul className="members" aria-label="Members">
                  {members.map((m) => (
                    <li key={m.id} className="members__row">
                      <Avatar name={m.name} id={m.id} size={28} online={m.online} />
                      <span className="row__name">{m.name}{m.id === state.me.id ? " (you)" : ""}{isDeactivated(state, m.id) && <DeactivatedMark />}{isBanned(state, m.id) && <BannedMark />}</span>
                      {m.id === details.ownerId && <span className="tag">owner</span>}
                      {m.role === "admin" && <span className="tag">admin</span>}
                      {details.canManage && m.id !== state.me.id && details.kind === "room" && (
                        <button type="button" className="link small" aria-label={`Remove ${m.name}`}
                          onClick={() => void run(() => actions.removeMember(roomId, m.id))}>Remove</button>
                      )}
                    </li>
                  ))}
                </ul>
                {details.canManage && details.kind === "room" && (
                  <div className="panel__add">
                    <PeoplePicker state={state} selected={adding} onChange={setAdding} exclude={details.members.map((m) => m.id)} label="Add members" />
                    <button type="button" className="primary" disabled={adding.length === 0}
                      onClick={() => void run(async () => {
                        for (const p of adding) await actions.addMember(roomId, p.id);
                        setAdding([]);
                      })}>
                      {adding.length > 1 ? `Add ${adding.length} people` : "Add"}
                    </button>
                  </div>
                )}
              </section>
            )}
            <div className="panel__danger">
              {canLeave && <button type="button" className="ghost" onClick={() => void run(() => actions.leave(roomId))}>Leave {details.kind === "group" ? "conversation" : "room"}</button>}
              {details.canManage && details.kind === "room" && (confirmDelete ? (
                <span className="confirm" role="group" aria-label="Confirm delete">
                  <span className="small">Delete it and all its messages?</span>
                  <button type="button" className="danger" onClick={() => void run(() => actions.remove(roomId))}>Delete for everyone</button>
                  <button type="button" className="ghost" onClick={() => setConfirmDelete(false)}>Keep</button>
                </span>
              ) : (
                <button type="button" className="danger-ghost" onClick={() => setConfirmDelete(true)}>Delete room…</button>
              ))}
            </div>
          </>
        )}
      </div>
    </aside>
  );
}
