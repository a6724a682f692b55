import { GENERAL_ROOM_ID } from "../../protocol/index.js";
import type { ChatState } from "../state/chat.js";
import { otherMemberId, type RoomState } from "../state/rooms.js";
import { Avatar } from "./Avatar.js";
import { Composer } from "./Composer.js";
import { MessageList } from "./MessageList.js";
import { displayRoomTitle } from "./names.js";
import { isPhoneLayout } from "../layout.js";
import { NotificationLevelMenu } from "../notifications/NotificationLevelMenu.js";

interface Props {
  room: RoomState;
  state: ChatState;
  now: number;
  focusComposer: boolean;
  onBack: () => void;
  onSend: (text: string) => void;
  onRetry: (clientId: string) => void;
  onLoadOlder: () => void;
}

export function RoomView({ room, state, now, focusComposer, onBack, onSend, onRetry, onLoadOlder }: Props) {
  const title = displayRoomTitle(room, state);
  const partner = otherMemberId(room.id, state.me.id);
  const online = partner === null ? undefined : state.users[partner]?.online ?? false;
  const onlineCount = Object.values(state.users).filter((u) => u.online).length;
  const subtitle = room.id === GENERAL_ROOM_ID
    ? `${onlineCount} online`
    : partner === null ? "" : online ? "online" : "offline";

  return (
    <section className="room" aria-labelledby="room-title">
      <header className="room__header">
        <button type="button" className="back" onClick={onBack} aria-label="Back to chats">
          <span aria-hidden="true">‹</span> Back
        </button>
        <Avatar name={title} size={36} online={online} />
        <div className="room__heading">
          <h2 id="room-title">{title}</h2>
          {subtitle && <span className="muted small">{subtitle}</span>}
        </div>
        <NotificationLevelMenu roomId={room.id} />
      </header>
      <MessageList room={room} state={state} now={now} onLoadOlder={onLoadOlder} onRetry={onRetry} />
      <Composer roomId={room.id} roomTitle={title} autoFocus={focusComposer} onSend={onSend}
        onEscape={() => { if (isPhoneLayout()) onBack(); }} />
    </section>
  );
}
