import { Fragment, useCallback, useMemo, useRef, useState, type ReactNode, type RefObject } from "react";
import { WithNow } from "../lib/useNow.js";
import { GENERAL_ROOM_ID, replyQuoteText, type Attachment, type ChatMessage } from "../../protocol/index.js";
import { FileDropZone } from "../files/FileDropZone.js";
import type { RoomFiles } from "../files/useUploads.js";
import type { ChatState } from "../state/chat.js";
import { groupMembers, otherMemberId, roomKind, type RoomState } from "../state/rooms.js";
import { lastOwnMessage } from "../state/actions.js";
import { typingIn, typingLabel } from "../state/typing.js";
import { isDeactivated } from "../state/people.js";
import type { MessageActions } from "../useMessageActions.js";
import { Avatar } from "./Avatar.js";
import { Composer, type ReplyTarget } from "./Composer.js";
import type { MentionCandidate } from "../richtext/mentions.js";
import { InfoIcon } from "./Icons.js";
import { pinsApi } from "../pins/api.js";
import { profileApi } from "../profile/api.js";
import { PinsButton } from "../pins/PinsButton.js";
import { askToEdit, type RowActions } from "./MessageActions.js";
import { MessageList } from "./MessageList.js";
import type { People } from "./MessageRow.js";
import { displayRoomTitle, userName } from "./names.js";
import { isPhoneLayout } from "../layout.js";
import { NotificationLevelMenu } from "../notifications/NotificationLevelMenu.js";
import { useOpenProfile } from "../profile/ProfileCardContext.js";
import type { PeopleNames } from "../lib/peopleNames.js";

interface Props {
  room: RoomState;
  state: ChatState;
  focusComposer: boolean;
  onBack: () => void;
  onSend: (text: string, replyTo?: string, attachments?: Attachment[]) => void;
  onRetry: (clientId: string) => void;
  onLoadOlder: () => void;
  /** A window of older history (a permalink): its next newer page. */
  onLoadNewer: () => void;
  /** History around a message not loaded yet; false: no such message. */
  onLoadAround: (messageId: string) => Promise<boolean>;
  /** From a window of older history back to the newest messages. */
  onGoToPresent: () => void;
  /** Edit, delete, react, typing (see useMessageActions). */
  actions: MessageActions;
  /** Opens or closes the room details panel (members, settings); absent: no such button. */
  onToggleDetails?: () => void;
  detailsOpen?: boolean;
  /** The details button, for the panel to give the keyboard back to when it closes. */
  detailsButtonRef?: RefObject<HTMLButtonElement | null>;
  /** This room's files for the next message (files/useUploads, held by the shell); absent: no files. */
  files?: RoomFiles;
  /** A message to scroll to and flash (permalink, search result). */
  jumpRequest?: { messageId: string; n: number };
  /** Opens a message in its room (a pin). */
  onOpenMessage: (roomId: string, messageId: string) => void;
  /** Names for the pins list (senders this tab has not loaded are fetched). */
  names: PeopleNames;
  /** Under the room's "No messages yet" (see MessageList). */
  emptyNote?: ReactNode;
}

/**
 * The open room. Not mounted anew for another room (issue 19): what belongs to one room (the reply
 * being written, the message being edited, the pins panel, the composer's draft) is reset or
 * swapped when the room changes, and the windowed list keeps its DOM and draws only the rows on
 * screen, so a switch costs the same at any length of history.
 */
export function RoomView({ room, state, focusComposer, onBack, onSend, onRetry, onLoadOlder, onLoadNewer, onLoadAround, onGoToPresent, actions, onToggleDetails, detailsOpen, detailsButtonRef, files, jumpRequest, onOpenMessage, names, emptyNote }: Props) {
  const title = displayRoomTitle(room, state);
  const partner = otherMemberId(room.id, state.me.id);
  const online = partner === null ? undefined : state.users[partner]?.online ?? false;
  const onlineCount = Object.values(state.users).filter((u) => u.online).length;
  const kind = roomKind(room);
  const closed = kind === "room" && room.visibility === "closed";
  const details = state.details[room.id];
  const memberCount = details?.memberCount;
  // Deactivated members are named in the subtitle: the title lists them as everyone else.
  const deactivatedMembers = (details?.members ?? []).filter((m) => m.id !== state.me.id && isDeactivated(state, m.id)).map((m) => userName(state, m.id));
  // In parts, so a narrow header (a phone) cuts the topic and keeps the member count whole.
  const subtitleParts: { text: string; cut?: boolean; topic?: boolean }[] = room.id === GENERAL_ROOM_ID
    ? [{ text: `${onlineCount} online` }]
    : partner !== null ? [{ text: isDeactivated(state, partner) ? "deactivated" : online ? "online" : "offline" }]
    : [
      { text: room.topic || (kind === "group" ? "Group conversation" : ""), cut: true, topic: true },
      { text: memberCount ? `${memberCount} ${memberCount === 1 ? "member" : "members"}` : "" },
      { text: deactivatedMembers.length > 0 ? `${deactivatedMembers.join(", ")} deactivated` : "", cut: true },
    ].filter((part) => part.text);
  const subtitle = subtitleParts.map((part) => part.text).join(" · ");

  const [replyTo, setReplyTo] = useState<ReplyTarget | null>(null);
  const [editingId, setEditingId] = useState<string | null>(null);
  const [pinsOpen, setPinsOpen] = useState(false);
  // Another room: what was being answered, edited or shown belongs to the last one.
  const [shownRoomId, setShownRoomId] = useState(room.id);
  if (shownRoomId !== room.id) {
    setShownRoomId(room.id);
    setReplyTo(null);
    setEditingId(null);
    setPinsOpen(false);
  }

  const composerBox = useRef<HTMLTextAreaElement | null>(null);
  const stateRef = useRef(state);
  stateRef.current = state;

  // Names by id, as one object that changes only when a name does (rows stay memoised through presence).
  const nameKey = Object.values(state.users).map((u) => `${u.id}:${u.username}:${u.displayName ?? ""}`).join(",");
  const people = useMemo<People>(() => {
    const users = stateRef.current.users;
    // Display names (issue 18): reactions, replies and pins show the name people chose; mentions match usernames.
    return {
      nameOf: (id) => userName(stateRef.current, id),
      usernameOf: (id) => users[id]?.username ?? "",
      isDeactivated: (id) => isDeactivated(stateRef.current, id),
    };
  }, [nameKey, state.deactivated]);

  // Who may be mentioned here (the server records mentions of a room's members only): the partner
  // of a private room; the members of a named room or group once its details are in; in General
  // (everyone is a member) everyone known, and the people directory for the rest (offline, never
  // posted), by display name too. With their presence, live: the autocomplete lists online people first.
  const roomMembers = details?.members;
  const deactivated = state.deactivated;
  const members = useMemo<MentionCandidate[]>(() => {
    const users = state.users;
    const candidate = (id: number, username: string, online: boolean): MentionCandidate =>
      ({ id, username, displayName: users[id]?.displayName, online: users[id]?.online ?? online });
    // A deactivated person is not offered (they cannot read it); their name typed in full still links.
    const offered = (id: number) => !deactivated.includes(id);
    if (partner !== null) return [partner, state.me.id].filter(offered).flatMap((id) => (users[id] ? [candidate(id, users[id].username, false)] : []));
    if (kind !== "general" && roomMembers && roomMembers.length > 0) return roomMembers.filter((m) => offered(m.id)).map((m) => candidate(m.id, m.username, m.online));
    return Object.values(users).filter((u) => offered(u.id)).map((u) => candidate(u.id, u.username, u.online));
  }, [state.users, state.me.id, partner, kind, roomMembers, deactivated]);
  const membersListed = partner !== null || (kind !== "general" && Boolean(roomMembers?.length));
  const findPeople = useMemo(() => (membersListed ? undefined : (q: string) =>
    profileApi.people(q).then((page) => page.people.map((p) => ({ id: p.id, username: p.username, displayName: p.displayName, online: p.online })))), [membersListed]);

  const roomId = room.id;
  const me = state.me as { role?: string };
  // Who manages pins: both people of a one-to-one conversation, a room's managers, administrators in General.
  const canPin = kind === "private" || Boolean(details?.canManage) || (kind === "general" && me.role === "admin");
  const rowActions = useMemo<Omit<RowActions, "jumpTo">>(() => ({
    save: (message: ChatMessage) => pinsApi.save(roomId, message.id, true),
    ...(canPin ? { pin: (message: ChatMessage) => pinsApi.pin(roomId, message.id, true) } : {}),
    reply: (message: ChatMessage) => {
      setEditingId(null);
      // A message with files is quoted by its caption, or its files' names.
      setReplyTo({ id: message.id, name: userName(stateRef.current, message.from), text: replyQuoteText(message) });
      composerBox.current?.focus();
    },
    startEdit: (id: string) => {
      askToEdit(id);
      setEditingId(id);
    },
    cancelEdit: () => {
      setEditingId(null);
      composerBox.current?.focus();
    },
    saveEdit: (message: ChatMessage, text: string) => actions.edit(roomId, message.id, text),
    remove: (message: ChatMessage) => actions.remove(roomId, message.id),
    react: (message: ChatMessage, emoji: string) => actions.toggleReaction(roomId, message.id, emoji),
  }), [actions.edit, actions.remove, actions.toggleReaction, roomId, canPin]);

  const editLast = useCallback(() => {
    const mine = lastOwnMessage(stateRef.current.rooms[roomId]?.messages ?? [], stateRef.current.me.id);
    if (!mine) return false;
    askToEdit(mine.id);
    setEditingId(mine.id);
    return true;
  }, [roomId]);

  const openProfile = useOpenProfile();
  const typingNames = typingIn(state.typing, room.id, state.me.id, Date.now()).map((id) => userName(state, id));

  return (
    <section className="room" aria-labelledby="room-title">
      <header className="room__header">
        <button type="button" className="back" onClick={onBack} aria-label="Back to chats">
          <span aria-hidden="true">‹</span><span className="back__label"> Back</span>
        </button>
        <Avatar name={title} id={partner ?? (kind === "general" ? title : `room:${room.id}`)} size={36} online={online}
          label={kind === "group" ? String(details?.memberCount ?? groupMembers(room).length) : kind === "room" ? "#" : undefined}
          glyph={closed ? "lock" : undefined} />
        <div className="room__heading">
          {/* A one-to-one conversation's title is the other person: it opens their card. */}
          <h2 id="room-title">{partner !== null
            ? <button type="button" className="room__person" onClick={() => openProfile(partner)} aria-haspopup="dialog"
                title={`${title}: profile`}>{title}</button>
            : title}</h2>
          {(subtitle || closed) && (
            <span className="muted small room__subtitle" title={subtitle}>
              {closed && <span className="visually-hidden">Closed room. </span>}
              {subtitleParts.map((part, i) => (
                <Fragment key={i}>
                  {i > 0 && <span className="room__subtitle-sep"> · </span>}
                  <span className={`room__subtitle-part${part.cut ? " room__subtitle-part--cut" : ""}${part.topic ? " room__subtitle-part--topic" : ""}`}>
                    {part.text}
                  </span>
                </Fragment>
              ))}
            </span>
          )}
        </div>
        <PinsButton roomId={roomId} title={title} canPin={canPin} whoPins={kind === "general" ? "administrators" : "the room's owner and administrators"} open={pinsOpen} onOpenChange={setPinsOpen}
          onOpenMessage={onOpenMessage} names={names} />
        {/* Its menu and any error it shows are the room's: a small part, made anew for another room. */}
        <NotificationLevelMenu key={room.id} roomId={room.id} />
        {onToggleDetails && (
          <button ref={detailsButtonRef} type="button" className={`ghost room__details${detailsOpen ? " ghost--on" : ""}`} onClick={onToggleDetails}
            aria-expanded={detailsOpen} aria-label="Room details">
            <InfoIcon /><span className="room__details-label">Details</span>
          </button>
        )}
      </header>
      <FileDropZone onFiles={(dropped) => files?.add(dropped)} enabled={files !== undefined}>
      <MessageList room={room} state={state} onLoadOlder={onLoadOlder} onRetry={onRetry}
        onLoadNewer={onLoadNewer} onLoadAround={onLoadAround} onGoToPresent={onGoToPresent}
        actions={rowActions} people={people} editingId={editingId} canDeleteAny={me.role === "admin"} jumpRequest={jumpRequest}
        emptyNote={emptyNote} />
      <p className="typing" aria-live="polite">{typingLabel(typingNames)}</p>
      <Composer roomId={room.id} roomTitle={title} autoFocus={focusComposer}
        onSend={(text, attachments) => {
          onSend(text, replyTo?.id, attachments);
          setReplyTo(null);
        }}
        onEscape={() => { if (isPhoneLayout()) onBack(); }}
        replyTo={replyTo} onCancelReply={() => setReplyTo(null)} members={members} findPeople={findPeople} myId={state.me.id}
        onEditLast={editLast} onTyping={() => actions.typing(room.id)} boxRef={composerBox} files={files} />
      </FileDropZone>
    </section>
  );
}
