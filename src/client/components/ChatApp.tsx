import { lazy, Suspense, useEffect, useRef, useState } from "react";
import type { UserWithPresence } from "../../protocol/index.js";
import type { SignedInUser } from "../api.js";
import { WithNow } from "../lib/useNow.js";
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
import { usePlaceName } from "../lib/placeName.js";
import { ConnectionBanner } from "./ConnectionBanner.js";
import { PlusIcon } from "./Icons.js";
import { SearchButton } from "../search/SearchButton.js";
// Not lazy: Ctrl/Cmd+K is typed straight on, and what follows must land in its box, not in the
// composer that still had the focus while a chunk was fetched (a few KB: its parts are loaded anyway).
import { SearchPanel } from "../search/SearchPanel.js";
import { pinsApi } from "../pins/api.js";
import { MessageListDialog } from "../pins/MessageListDialog.js";
import { PeopleList } from "./PeopleList.js";
import { RefusedLinkNote } from "./RefusedLinkNote.js";
import { RoomList } from "./RoomList.js";
import { RoomView } from "./RoomView.js";
import { hashForMessage, messageFromHash } from "../lib/route.js";
import { useAddressFollowsView } from "../lib/useAddressFollowsView.js";
import { userName, displayRoomTitle } from "./names.js";
import { ProfileCardContext } from "../profile/ProfileCardContext.js";
import { OnlineToasts, PresenceAlertsContext, usePresenceAlerts } from "../profile/presenceAlerts.js";
import { useMyRole } from "../profile/useMyRole.js";
import { useTimeZoneFromDevice } from "../profile/timeZone.js";
import { isAdmin } from "../state/myRole.js";
import { InvitePeople, InviteWhenAlone, type InviteTab } from "../invite/InvitePeople.js";
import type { AdminTab } from "./admin/AdminDialog.js";
import { GENERAL_ROOM_ID } from "../../protocol/index.js";

// Opened on demand, so not part of the first load: administration, room dialogs and the details panel.
const AdminDialog = lazy(() => import("./admin/AdminDialog.js"));
const NewRoomDialog = lazy(() => import("./NewRoomDialog.js").then((m) => ({ default: m.NewRoomDialog })));
const DirectoryDialog = lazy(() => import("./DirectoryDialog.js").then((m) => ({ default: m.DirectoryDialog })));
const SettingsDialog = lazy(() => import("../settings/SettingsDialog.js"));
const ProfileCard = lazy(() => import("../profile/ProfileCard.js").then((m) => ({ default: m.ProfileCard })));
const RoomPanel = lazy(() => import("./RoomPanel.js").then((m) => ({ default: m.RoomPanel })));


type Overlay = null | "new-room" | "directory" | "admin" | "search" | "saved" | "settings";

/** Puts the caret in the open room's message box (the skip link and Alt+Shift+M). */
function focusComposer(): void {
  document.querySelector<HTMLTextAreaElement>("#composer")?.focus();
}

/** The signed-in screen: chats and people on the left, the open room on the right (or one at a time on a phone). */
export function ChatApp({ me, onSignedOut }: { me: SignedInUser; onSignedOut: () => void }) {
  const chat = useChat(me, onSignedOut);
  // Files chosen for each room's next message, kept while moving between rooms.
  const uploads = useUploads();
  const openMessageRef = useRef<(roomId: string, messageId?: string) => void>(() => {});
  const actions = useRoomActions(chat);
  const { state } = chat;
  // A notification opens its message in place (see openMessage below).
  const notifications = useNotifications(me, state, (roomId, messageId) => openMessageRef.current(roomId, messageId));
  const active = state.activeRoomId ? state.rooms[state.activeRoomId] : undefined;
  const [overlay, setOverlay] = useState<Overlay>(null);
  /** The Admin dialog's first tab: invitations from its button and "Invite people", accounts from "Create accounts". */
  const [adminTab, setAdminTab] = useState<AdminTab>("invites");
  const openAdmin = (tab: InviteTab = "invites") => {
    setAdminTab(tab);
    setOverlay("admin");
  };
  const [detailsOpen, setDetailsOpen] = useState(false);
  // Closed (Escape, its ✕), the room details panel gives the keyboard back to the button that opens it.
  const detailsButton = useRef<HTMLButtonElement>(null);
  const closeDetails = () => {
    setDetailsOpen(false);
    detailsButton.current?.focus();
  };
  /** Whose profile card is open (issue 18: any name or avatar opens it). */
  const [profileId, setProfileId] = useState<number | null>(null);
  const activeKind = active ? roomKind(active) : null;
  const hasDetails = activeKind === "room" || activeKind === "group";

  // The rich-text renderer is a chunk of its own: fetch it while the first history pages load.
  useEffect(() => void loadRichText().catch(() => {}), []);

  // Alt+ArrowUp / Alt+ArrowDown move between chats from anywhere; Alt+Shift+M goes to the message box.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.altKey && event.shiftKey && event.code === "KeyM") {
        event.preventDefault();
        focusComposer();
        return;
      }
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

  // A message to show in its room (search result, permalink): `n` makes each request a new one.
  const [jump, setJump] = useState<{ roomId: string; messageId: string; n: number } | null>(null);
  const openMessage = (roomId: string, messageId?: string) => {
    setOverlay(null);
    // Rooms listed (General is), and this one not among them: a link into a room one is not in.
    if (state.rooms["0"] && !state.rooms[roomId]) {
      // Followed on the open page, the address may have opened that room already: the usual place instead.
      const fallback = state.activeRoomId !== roomId ? state.activeRoomId : isPhoneLayout() ? null : GENERAL_ROOM_ID;
      chat.dispatch({ type: "linkRefused", roomId, ...(messageId ? { messageId } : {}), fallback });
      return;
    }
    showMessage(roomId, messageId);
  };
  const showMessage = (roomId: string, messageId?: string) => {
    chat.openRoom(roomId);
    if (messageId) {
      // The address says what is shown (a reload shows this message, not one opened before).
      history.replaceState(history.state, "", hashForMessage(roomId, messageId));
      setJump((previous) => ({ roomId, messageId, n: (previous?.n ?? 0) + 1 }));
    }
  };
  // A link into an open room one is not in: joined from its notice, then what it pointed to is shown.
  const joinRefusedRoom = async (roomId: string) => {
    const messageId = state.refusedLink?.messageId;
    await actions.join(roomId);
    chat.dispatch({ type: "removalSeen" });
    showMessage(roomId, messageId);
  };
  openMessageRef.current = openMessage;
  useAddressFollowsView(active?.id ?? null, active?.hasNewer ?? false, jump);

  // Ctrl/Cmd+K opens search; a permalink (#/room/ID/message/MID) opens its message, now or when followed.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setOverlay("search");
      }
    };
    const onHash = () => {
      const target = messageFromHash(location.hash);
      if (target) openMessageRef.current(target.roomId, target.messageId);
    };
    onHash();
    window.addEventListener("keydown", onKey);
    window.addEventListener("hashchange", onHash);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("hashchange", onHash);
    };
  }, []);

  // A named room or group shows its topic and member count in the header: fetch its details once.
  const activeId = active?.id;
  const known = activeId ? Boolean(state.details[activeId]) : true;
  useEffect(() => {
    if (activeId && hasDetails && !known) actions.loadDetails(activeId).catch(() => {});
  }, [activeId, hasDetails, known, actions]);

  // "Tell me when X comes online" (issue 18): an alert, never a timeline line.
  const openConversationWith = (userId: number) => {
    const user = state.users[userId];
    if (user) void chat.openPrivateWith(user).catch(() => {});
  };
  const presenceAlerts = usePresenceAlerts(me.id, {
    nameOf: (id) => userName(state, id),
    isOnline: (id) => state.users[id]?.online ?? false,
    onOpen: openConversationWith,
  }, state.connection === "online");

  const startGroup = async (people: UserWithPresence[]) => {
    await actions.create({ members: [me.id, ...people.map((p) => p.id)] });
  };

  const me_ = state.users[me.id];
  // Live: a promotion or demotion made anywhere shows or hides the Admin button at once.
  const admin = isAdmin(useMyRole(me, state.connection === "online"));
  useTimeZoneFromDevice(me.id, state.connection === "online");
  const place = usePlaceName();
  return (
    <NotificationsContext.Provider value={notifications}>
    <ProfileCardContext.Provider value={setProfileId}>
    <PresenceAlertsContext.Provider value={presenceAlerts.controller}>
    <a href="#composer" className="skip-link" onClick={(e) => { e.preventDefault(); focusComposer(); }}>Skip to the message box (Alt+Shift+M)</a>
    <div className={`app ${active ? "app--room" : "app--list"}${detailsOpen && hasDetails ? " app--panel" : ""}`}>
      <ConnectionBanner status={state.connection} everConnected={state.everConnected} />
      <aside className="sidebar">
        <header className="me">
          {/* The place on its own row, with the Admin button: the person's name below keeps the width it needs. */}
          <div className="me__place">
            <strong className="me__place-name" title={place}>{place}</strong>
            {admin && <button type="button" className="ghost ghost--small" onClick={() => openAdmin()}>Admin</button>}
          </div>
          <Avatar name={me_?.displayName || me.username} id={me.id} size={36} online={state.connection === "online" && (me_?.online ?? true)} />
          <div className="me__name">
            <strong>{me_?.displayName || me.username}</strong>
            <span className="muted small">{state.connection === "online" ? "Online" : state.everConnected ? "Offline" : "Connecting…"}</span>
          </div>
          <button type="button" className="icon-button" aria-label="Settings" title="Settings" onClick={() => setOverlay("settings")}>
            <span aria-hidden="true">⚙</span>
          </button>
          <button type="button" className="ghost" onClick={() => void chat.logout()}>Log out</button>
        </header>
        {state.removedFrom && (
          <p className="sidebar__note" role="status">
            {state.removedFrom.reason === "deleted" ? `“${state.removedFrom.title}” was deleted.` : `You were removed from “${state.removedFrom.title}”.`}
            <button type="button" className="link small" onClick={() => chat.dispatch({ type: "removalSeen" })}>OK</button>
          </p>
        )}
        {state.refusedLink && (
          <RefusedLinkNote refused={state.refusedLink} onJoin={joinRefusedRoom} onDismiss={() => chat.dispatch({ type: "removalSeen" })} />
        )}
        <SearchButton onOpen={() => setOverlay("search")} />
        <button type="button" className="link small saved-open" onClick={() => setOverlay("saved")}>Saved messages</button>
        <NotificationPrompt />
        <div className="sidebar__scroll">
          {/* Only the list re-renders on the clock's tick (relative times), not the whole screen. */}
          <WithNow>{(now) => (
            <RoomList state={state} now={now} onOpen={chat.openRoom}
              roomActions={<>
                <button type="button" className="ghost ghost--small" onClick={() => setOverlay("directory")} aria-label="Browse rooms">Browse</button>
                <button type="button" className="ghost ghost--small" onClick={() => setOverlay("new-room")} aria-label="New room"><PlusIcon /></button>
              </>} />
          )}</WithNow>
          <PeopleList state={state} onOpen={chat.openPrivateWith} onStartGroup={startGroup}
            whenNobody={<InvitePeople admin={admin} onOpenAdmin={openAdmin} compact />} />
        </div>
      </aside>
      <main className="main">
        {active ? (
          <RoomView room={active} state={state} focusComposer={!isPhoneLayout()}
            onBack={() => chat.openRoom(null)} onSend={(text, replyTo, attachments) => chat.send(active.id, text, replyTo, attachments)} onRetry={chat.retry}
            files={uploads.forRoom(active.id)}
            onLoadOlder={() => chat.loadOlder(active.id)} onLoadNewer={() => chat.loadNewer(active.id)}
            onLoadAround={(messageId) => chat.loadAround(active.id, messageId)}
            onGoToPresent={() => chat.goToPresent(active.id)}
            actions={chat}
            onToggleDetails={hasDetails ? () => setDetailsOpen((open) => !open) : undefined} detailsOpen={detailsOpen && hasDetails} detailsButtonRef={detailsButton}
            jumpRequest={jump && jump.roomId === active.id ? jump : undefined} onOpenMessage={openMessage} names={chat.names}
            // The first administrator, just set up, lands in an empty General with nobody to greet.
            emptyNote={active.id === GENERAL_ROOM_ID ? <InviteWhenAlone meId={me.id} admin={admin} onOpenAdmin={openAdmin} /> : undefined} />
        ) : (
          <div className="empty empty--main">
            <p className="empty__title">{state.activeRoomId ? "Loading chat…" : "Pick a chat"}</p>
            <p className="muted">Choose a chat on the left, or a person to start talking.</p>
          </div>
        )}
      </main>
      <Suspense fallback={null}>
        {active && hasDetails && detailsOpen && (
          <RoomPanel key={active.id} roomId={active.id} state={state} actions={actions} onClose={closeDetails} />
        )}
        {overlay === "new-room" && <NewRoomDialog state={state} actions={actions} onClose={() => setOverlay(null)} />}
        {overlay === "directory" && (
          <DirectoryDialog actions={actions} onOpen={chat.openRoom} onClose={() => setOverlay(null)} onNewRoom={() => setOverlay("new-room")} />
        )}
        {overlay === "admin" && <AdminDialog state={state} admin={admin} tab={adminTab} onClose={() => setOverlay(null)} />}
        {overlay === "saved" && (
          <WithNow>{(now) => (
            <MessageListDialog title="Saved messages" empty="Save a message from its actions to find it here." load={pinsApi.saved}
              remove={(item) => pinsApi.save(item.roomId, item.message.id, false)} removeLabel="Remove"
              onOpen={openMessage} onClose={() => setOverlay(null)} names={chat.names} now={now}
              roomTitle={(id) => (state.rooms[id] ? displayRoomTitle(state.rooms[id]!, state) : "A room")} />
          )}</WithNow>
        )}
        {overlay === "settings" && <SettingsDialog onClose={() => setOverlay(null)} onSignedOut={onSignedOut} />}
        {profileId !== null && (
          <ProfileCard userId={profileId} meId={me.id} admin={admin} onClose={() => setProfileId(null)}
            onMessage={(p) => {
              setProfileId(null);
              setOverlay(null);
              void chat.openPrivateWith({ id: p.id, username: p.username, online: p.online });
            }} />
        )}
      </Suspense>
      {/* Outside the Suspense: a lazy dialog loading beside it must not hide it, even for a moment. */}
      {overlay === "search" && (
        <WithNow>{(now) => (
          <SearchPanel onClose={() => setOverlay(null)} onOpen={openMessage} activeRoomId={active?.id ?? null} now={now}
            names={chat.names}
            roomTitle={(id) => (state.rooms[id] ? displayRoomTitle(state.rooms[id]!, state) : "A room")} />
        )}</WithNow>
      )}
    </div>
    <OnlineToasts toasts={presenceAlerts.toasts} dismiss={presenceAlerts.dismiss} onOpen={openConversationWith} />
    </PresenceAlertsContext.Provider>
    </ProfileCardContext.Provider>
    </NotificationsContext.Provider>
  );
}
