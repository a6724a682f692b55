import { useState, type FormEvent } from "react";
import { MAX_ROOM_NAME_LENGTH, MAX_ROOM_TOPIC_LENGTH, RoomName, type RoomVisibility, type UserWithPresence } from "../../protocol/index.js";
import type { ChatState } from "../state/chat.js";
import type { RoomActions } from "../useRoomActions.js";
import { Dialog, errorText } from "./Dialog.js";
import { PeoplePicker } from "./PeoplePicker.js";

/** "New room": name, topic, open or closed, first members. Opens the room once it exists. */
export function NewRoomDialog({ state, actions, onClose }: { state: ChatState; actions: RoomActions; onClose: () => void }) {
  const [name, setName] = useState("");
  const [topic, setTopic] = useState("");
  const [visibility, setVisibility] = useState<RoomVisibility>("open");
  const [members, setMembers] = useState<UserWithPresence[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = RoomName.safeParse(name);
    if (!parsed.success) return setError(parsed.error.issues[0]?.message ?? "Give the room a name");
    setBusy(true);
    setError(null);
    try {
      await actions.create({ name: parsed.data, topic: topic.trim() || undefined, visibility, members: members.map((m) => m.id) });
      onClose();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };

  return (
    <Dialog title="New room" onClose={onClose}>
      {/* Created only by its button: Enter in a field does not submit (in the member filter it picks a person). */}
      <form className="form" onSubmit={submit} noValidate
        onKeyDown={(e) => { if (e.key === "Enter" && e.target instanceof HTMLInputElement) e.preventDefault(); }}>
        <label className="field">
          <span>Name</span>
          <input name="name" value={name} maxLength={MAX_ROOM_NAME_LENGTH} data-autofocus required placeholder="e.g. design"
            onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>Topic <span className="muted small">(optional)</span></span>
          <input name="topic" value={topic} maxLength={MAX_ROOM_TOPIC_LENGTH} placeholder="What is it about?"
            onChange={(e) => setTopic(e.target.value)} />
        </label>
        <fieldset className="choice">
          <legend>Who can join</legend>
          <label className="choice__option">
            <input type="radio" name="visibility" checked={visibility === "open"} onChange={() => setVisibility("open")} />
            <span><strong>Open</strong><span className="muted small">Listed in the directory; anyone can join.</span></span>
          </label>
          <label className="choice__option">
            <input type="radio" name="visibility" checked={visibility === "closed"} onChange={() => setVisibility("closed")} />
            <span><strong>Closed</strong><span className="muted small">Hidden; only people you add.</span></span>
          </label>
        </fieldset>
        <div className="field">
          <span>Members <span className="muted small">(optional)</span></span>
          <PeoplePicker state={state} selected={members} onChange={setMembers} label="Add members" />
        </div>
        {error && <p className="error" role="alert">{error}</p>}
        <div className="form__actions">
          <button type="button" className="ghost" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={busy}>{busy ? "Creating…" : "Create room"}</button>
        </div>
      </form>
    </Dialog>
  );
}
