import { useState } from "react";
import { GENERAL_ROOM_ID } from "../../protocol/index.js";
import { listTime } from "../lib/time.js";
import { unreadCount, unreadMentionCount, type ChatState } from "../state/chat.js";
import { groupMembers, otherMemberId, roomKind, sortRooms, type RoomState } from "../state/rooms.js";
import { useRichTextRenderer } from "../richtext/RichText.js";
import { Avatar } from "./Avatar.js";
import { quoteText } from "./MessageRow.js";
import { messageSummary } from "../files/summary.js";
import { displayRoomTitle, userName } from "./names.js";
import { SidebarSection } from "./SidebarSection.js";

/** Past this many entries a section gets its own filter box. */
const FILTER_FROM = 7;

function RoomRow({ room, state, now, onOpen }: { room: RoomState; state: ChatState; now: number; onOpen: (roomId: string) => void }) {
  const title = displayRoomTitle(room, state);
  const kind = roomKind(room);
  // The room's newest message, not the end of a window of older history opened from a link or search.
  const last = room.latest ?? undefined;
  const unread = unreadCount(state, room);
  const mentions = unreadMentionCount(state, room);
  const partner = otherMemberId(room.id, state.me.id);
  const online = partner === null ? undefined : state.users[partner]?.online ?? false;
  const shared = kind !== "private";
  // A closed room (members by invitation) shows a lock where an open one shows "#".
  const closed = kind === "room" && room.visibility === "closed";
  const sender = !last ? "" : last.from === state.me.id ? "You: " : shared ? `${userName(state, last.from)}: ` : "";
  const renderer = useRichTextRenderer();
  // The last message as plain words: "**Release**" shows as "Release", like the reply quote.
  const preview = last ? sender + quoteText(messageSummary(last), renderer?.shortcodeEmoji)
    : !room.loaded ? "Loading…" : room.hasNewer ? room.topic ?? "" : room.topic || "No messages yet";
  const nameId = `room-name-${room.id}`;
  const descId = `room-desc-${room.id}`;
  const active = state.activeRoomId === room.id;
  // The button's own text is the room's name, which is its accessible name (WCAG 2.5.3, label in
  // name); the time, preview and badges sit over the row beside it (row__extra) and describe it.
  return (
    <li className={`row-item${unread ? " row-item--unread" : ""}`}>
      <button type="button" className={`row${active ? " row--active" : ""}${unread ? " row--unread" : ""}`}
        aria-current={active ? "page" : undefined}
        aria-labelledby={nameId} aria-describedby={descId} onClick={() => onOpen(room.id)}>
        <span className="row__main">
          <span className="row__name" id={nameId}>{title}</span>
          <span className="row__spacer" />
        </span>
      </button>
      <span className="row__lead">
        <Avatar name={title} id={partner ?? (kind === "general" ? title : `room:${room.id}`)} online={online}
          label={kind === "group" ? String(groupMembers(room).length) : kind === "room" ? "#" : undefined}
          glyph={closed ? "lock" : undefined} />
      </span>
      <span className="row__extra" id={descId}>
          {closed && <span className="visually-hidden">Closed room. </span>}
          {last && <span className="row__time">{listTime(last.date, now)}</span>}
          <span className="row__bottom">
            <span className="row__preview">{preview}</span>
            {mentions > 0 && (
              <span className="badge badge--mention" aria-label={`${mentions} unread mentions`} title="You were mentioned">@</span>
            )}
            {unread > 0 && <span className="badge" aria-label={`${unread} unread`}>{unread > 99 ? "99+" : unread}</span>}
          </span>
      </span>
    </li>
  );
}

function RoomSection({ id, title, rooms, state, now, onOpen, actions, empty }: {
  id: string; title: string; rooms: RoomState[]; state: ChatState; now: number; onOpen: (roomId: string) => void;
  actions?: React.ReactNode; empty: string;
}) {
  const [filter, setFilter] = useState("");
  const needle = filter.trim().toLowerCase();
  const shown = needle ? rooms.filter((r) => displayRoomTitle(r, state).toLowerCase().includes(needle)) : rooms;
  const unread = rooms.reduce((sum, r) => sum + unreadCount(state, r), 0);
  return (
    <SidebarSection id={id} title={title} count={rooms.length} badge={unread} actions={actions}
      filter={rooms.length >= FILTER_FROM || filter ? { value: filter, onChange: setFilter, label: `Filter ${title.toLowerCase()}`, placeholder: `Find ${title.toLowerCase()}` } : null}>
      {shown.length === 0 ? (
        <p className="muted pad small">{needle ? `Nothing called “${filter.trim()}”.` : empty}</p>
      ) : (
        <ul className="list">
          {shown.map((room) => <RoomRow key={room.id} room={room} state={state} now={now} onOpen={onOpen} />)}
        </ul>
      )}
    </SidebarSection>
  );
}

/**
 * The chats, in two sections: rooms (General and named rooms) and conversations (one-to-one and
 * group), each sorted by latest activity, collapsible, with counts and their own scroll and filter.
 */
export function RoomList({ state, now, onOpen, roomActions, conversationActions }: {
  state: ChatState; now: number; onOpen: (roomId: string) => void;
  roomActions?: React.ReactNode; conversationActions?: React.ReactNode;
}) {
  const rooms = sortRooms(Object.values(state.rooms));
  if (rooms.length === 0) {
    return (
      <nav className="rooms" aria-label="Chats">
        <p className="muted pad section-loading" role="status">Loading chats…</p>
      </nav>
    );
  }
  const named = rooms.filter((r) => r.id === GENERAL_ROOM_ID || roomKind(r) === "room");
  const conversations = rooms.filter((r) => r.id !== GENERAL_ROOM_ID && roomKind(r) !== "room");
  return (
    <nav className="rooms" aria-label="Chats">
      <RoomSection id="rooms" title="Rooms" rooms={named} state={state} now={now} onOpen={onOpen} actions={roomActions}
        empty="No rooms yet." />
      <RoomSection id="conversations" title="Conversations" rooms={conversations} state={state} now={now} onOpen={onOpen}
        actions={conversationActions} empty="Pick someone under People to start talking." />
    </nav>
  );
}
