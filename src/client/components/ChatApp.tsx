import { lazy, Suspense, useEffect, useState } from "react";
import type { UserWithPresence } from "../../protocol/index.js";
import type { SignedInUser } from "../api.js";
import { useNow } from "../lib/useNow.js";
import { roomKind, sortRooms } from "../state/rooms.js";
import { isPhoneLayout } from "../layout.js";
import { useChat } from "../useChat.js";
import { useUploads } from "../files/useUploads.js";
import "../files/files.css";
import { loadRichText } from "../richtext/RichText.js";
import { useRoomActions } from "../useRoomActions.js";
import { NotificationPrompt } from "../notifications/NotificationPrompt.js";
import { NotificationsContext, useNotifications } from "../notifications/useNotifications.js";
import { Avatar } from "./Avatar.js";
import { ConnectionBanner } from "./ConnectionBanner.js";
import { PlusIcon } from "./Icons.js";
import { PeopleList } from "./PeopleList.js";
import { RoomList } from "./RoomList.js";
import { RoomView } from "./RoomView.js";

// Opened on demand, so not part of the first load: administration, room dialogs and the details panel.
const AdminDialog = lazy(() => import("./admin/AdminDialog.js"));
const NewRoomDialog = lazy(() => import("./NewRoomDialog.js").then((m) => ({ default: m.NewRoomDialog })));
const DirectoryDialog = lazy(() => import("./DirectoryDialog.js").then((m) => ({ default: m.DirectoryDialog })));
const RoomPanel = lazy(() => import("./RoomPanel.js").then((m) => ({ default: m.RoomPanel })));

type Overlay = null | "new-room" | "directory" | "admin";

/** The signed-in screen: chats and people on the left, the open room on the right (or one at a time on a phone). */
export function ChatApp({ me, onSignedOut }: { me: SignedInUser; onSignedOut: () => void }) {
  const chat = useChat(me, onSignedOut);
  // Files chosen for each room's next message, kept while moving between rooms.
  const uploads = useUploads();
  const actions = useRoomActions(chat);
  const { state } = chat;
  const notifications = useNotifications(me, state, chat.openRoom);
  const now = useNow();
  const active = state.activeRoomId ? state.rooms[state.activeRoomId] : undefined;
  const [overlay, setOverlay] = useState<Overlay>(null);
  const [detailsOpen, setDetailsOpen] = useState(false);
  const activeKind = active ? roomKind(active) : null;
  const hasDetails = activeKind === "room" || activeKind === "group";

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

  // A named room or group shows its topic and member count in the header: fetch its details once.
  const activeId = active?.id;
  const known = activeId ? Boolean(state.details[activeId]) : true;
  useEffect(() => {
    if (activeId && hasDetails && !known) actions.loadDetails(activeId).catch(() => {});
  }, [activeId, hasDetails, known, actions]);

  const startGroup = async (people: UserWithPresence[]) => {
    await actions.create({ members: [me.id, ...people.map((p) => p.id)] });
  };

  const me_ = state.users[me.id];
  const admin = me.role === "admin";
  return (
    <NotificationsContext.Provider value={notifications}>
    <div className={`app ${active ? "app--room" : "app--list"}${detailsOpen && hasDetails ? " app--panel" : ""}`}>
      <ConnectionBanner status={state.connection} everConnected={state.everConnected} />
      <aside className="sidebar">
        <header className="me">
          <Avatar name={me.username} id={me.id} size={36} online={state.connection === "online" && (me_?.online ?? true)} />
          <div className="me__name">
            <strong>{me.username}</strong>
            <span className="muted small">{state.connection === "online" ? "Online" : state.everConnected ? "Offline" : "Connecting…"}</span>
          </div>
          {admin && <button type="button" className="ghost" onClick={() => setOverlay("admin")}>Admin</button>}
          <button type="button" className="ghost" onClick={() => void chat.logout()}>Log out</button>
        </header>
        {state.removedFrom && (
          <p className="sidebar__note" role="status">
            {state.removedFrom.reason === "deleted" ? `“${state.removedFrom.title}” was deleted.` : `You were removed from “${state.removedFrom.title}”.`}
            <button type="button" className="link small" onClick={() => chat.dispatch({ type: "removalSeen" })}>OK</button>
          </p>
        )}
        <NotificationPrompt />
        <div className="sidebar__scroll">
          <RoomList state={state} now={now} onOpen={chat.openRoom}
            roomActions={<>
              <button type="button" className="ghost ghost--small" onClick={() => setOverlay("directory")} aria-label="Browse rooms">Browse</button>
              <button type="button" className="ghost ghost--small" onClick={() => setOverlay("new-room")} aria-label="New room"><PlusIcon /></button>
            </>} />
          <PeopleList state={state} onOpen={chat.openPrivateWith} onStartGroup={startGroup} />
        </div>
      </aside>
      <main className="main">
        {active ? (
          <RoomView key={active.id} room={active} state={state} now={now} focusComposer={!isPhoneLayout()}
            onBack={() => chat.openRoom(null)} onSend={(text, replyTo, attachments) => chat.send(active.id, text, replyTo, attachments)} onRetry={chat.retry}
            files={uploads.forRoom(active.id)}
            onLoadOlder={() => chat.loadOlder(active.id)} actions={chat}
            onToggleDetails={hasDetails ? () => setDetailsOpen((open) => !open) : undefined} detailsOpen={detailsOpen && hasDetails} />
        ) : (
          <div className="empty empty--main">
            <p className="empty__title">{state.activeRoomId ? "Loading chat…" : "Pick a chat"}</p>
            <p className="muted">Choose a chat on the left, or a person to start talking.</p>
          </div>
        )}
      </main>
      <Suspense fallback={null}>
        {active && hasDetails && detailsOpen && (
          <RoomPanel key={active.id} roomId={active.id} state={state} actions={actions} onClose={() => setDetailsOpen(false)} />
        )}
        {overlay === "new-room" && <NewRoomDialog state={state} actions={actions} onClose={() => setOverlay(null)} />}
        {overlay === "directory" && (
          <DirectoryDialog actions={actions} onOpen={chat.openRoom} onClose={() => setOverlay(null)} onNewRoom={() => setOverlay("new-room")} />
        )}
        {overlay === "admin" && <AdminDialog state={state} onClose={() => setOverlay(null)} />}
      </Suspense>
    </div>
    </NotificationsContext.Provider>
  );
}
