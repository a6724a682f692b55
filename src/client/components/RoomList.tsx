import { GENERAL_ROOM_ID } from "../../protocol/index.js";
import { listTime } from "../lib/time.js";
import { unreadCount, unreadMentionCount, type ChatState } from "../state/chat.js";
import { otherMemberId, sortRooms } from "../state/rooms.js";
import { Avatar } from "./Avatar.js";
import { displayRoomTitle, userName } from "./names.js";

export function RoomList({ state, now, onOpen }: { state: ChatState; now: number; onOpen: (roomId: string) => void }) {
  const rooms = sortRooms(Object.values(state.rooms));
  const initialLoading = rooms.length === 0;
  return (
    <nav className="rooms" aria-label="Chats">
      <h2 className="section-title">Chats</h2>
      {initialLoading ? (
        <p className="muted pad" role="status">Loading chats…</p>
      ) : (
        <ul className="list">
          {rooms.map((room) => {
            const title = displayRoomTitle(room, state);
            const last = room.messages[room.messages.length - 1];
            const unread = unreadCount(state, room);
            const partner = otherMemberId(room.id, state.me.id);
            const online = partner === null ? undefined : state.users[partner]?.online ?? false;
            const sender = !last ? "" : last.from === state.me.id ? "You: " : room.id === GENERAL_ROOM_ID ? `${userName(state, last.from)}: ` : "";
            const preview = last ? sender + last.message : room.loaded ? "No messages yet" : "Loading…";
            const nameId = `room-name-${room.id}`;
            const descId = `room-desc-${room.id}`;
            return (
              <li key={room.id}>
                <button type="button" className={`row${state.activeRoomId === room.id ? " row--active" : ""}${unread ? " row--unread" : ""}`}
                  aria-current={state.activeRoomId === room.id ? "page" : undefined}
                  aria-labelledby={nameId} aria-describedby={descId} onClick={() => onOpen(room.id)}>
                  <Avatar name={title} online={online} />
                  <span className="row__main">
                    <span className="row__top">
                      <span className="row__name" id={nameId}>{title}</span>
                      {last && <span className="row__time">{listTime(last.date, now)}</span>}
                    </span>
                    <span className="row__bottom" id={descId}>
                      <span className="row__preview">{preview}</span>
                      {unreadMentionCount(state, room) > 0 && (
                        <span className="badge badge--mention" aria-label={`${unreadMentionCount(state, room)} unread mentions`} title="You were mentioned">@</span>
                      )}
                      {unread > 0 && <span className="badge" aria-label={`${unread} unread`}>{unread > 99 ? "99+" : unread}</span>}
                    </span>
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
