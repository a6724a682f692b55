import { useEffect } from "react";
import type { SessionUser } from "../../protocol/index.js";
import { useNow } from "../lib/useNow.js";
import { sortRooms } from "../state/rooms.js";
import { isPhoneLayout } from "../layout.js";
import { useChat } from "../useChat.js";
import { loadRichText } from "../richtext/RichText.js";
import { NotificationPrompt } from "../notifications/NotificationPrompt.js";
import { NotificationsContext, useNotifications } from "../notifications/useNotifications.js";
import { Avatar } from "./Avatar.js";
import { ConnectionBanner } from "./ConnectionBanner.js";
import { PeopleList } from "./PeopleList.js";
import { RoomList } from "./RoomList.js";
import { RoomView } from "./RoomView.js";

/** The signed-in screen: chats and people on the left, the open room on the right (or one at a time on a phone). */
export function ChatApp({ me, onSignedOut }: { me: SessionUser; onSignedOut: () => void }) {
  const chat = useChat(me, onSignedOut);
  const { state } = chat;
  const notifications = useNotifications(me, state, chat.openRoom);
  const now = useNow();
  const active = state.activeRoomId ? state.rooms[state.activeRoomId] : undefined;

  // The rich-text renderer is a chunk of its own: fetch it while the first history pages load.
  useEffect(() => void loadRichText().catch(() => {}), []);

  // Alt+ArrowUp / Alt+ArrowDown move between chats from anywhere.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
      const rooms = sortRooms(Object.values(state.rooms));
      if (rooms.length === 0) return;
      const index = rooms.findIndex((r) => r.id === state.activeRoomId);
      const step = event.key === "ArrowUp" ? -1 : 1;
      const next = rooms[(index + step + rooms.length) % rooms.length];
      if (next) {
        event.preventDefault();
        chat.openRoom(next.id);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [state.rooms, state.activeRoomId, chat]);

  const me_ = state.users[me.id];
  return (
    <NotificationsContext.Provider value={notifications}>
    <div className={`app ${active ? "app--room" : "app--list"}`}>
      <ConnectionBanner status={state.connection} everConnected={state.everConnected} />
      <aside className="sidebar">
        <header className="me">
          <Avatar name={me.username} size={36} online={state.connection === "online" && (me_?.online ?? true)} />
          <div className="me__name">
            <strong>{me.username}</strong>
            <span className="muted small">{state.connection === "online" ? "Online" : state.everConnected ? "Offline" : "Connecting…"}</span>
          </div>
          <button type="button" className="ghost" onClick={() => void chat.logout()}>Log out</button>
        </header>
        <NotificationPrompt />
        <div className="sidebar__scroll">
          <RoomList state={state} now={now} onOpen={chat.openRoom} />
          <PeopleList state={state} onOpen={chat.openPrivateWith} />
        </div>
      </aside>
      <main className="main">
        {active ? (
          <RoomView key={active.id} room={active} state={state} now={now} focusComposer={!isPhoneLayout()}
            onBack={() => chat.openRoom(null)} onSend={(text, replyTo) => chat.send(active.id, text, replyTo)} onRetry={chat.retry}
            onLoadOlder={() => chat.loadOlder(active.id)} actions={chat} />
        ) : (
          <div className="empty empty--main">
            <p className="empty__title">{state.activeRoomId ? "Loading chat…" : "Pick a chat"}</p>
            <p className="muted">Choose a chat on the left, or a person to start talking.</p>
          </div>
        )}
      </main>
    </div>
    </NotificationsContext.Provider>
  );
}
