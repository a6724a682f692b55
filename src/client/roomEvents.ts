import type { Dispatch } from "react";
import {
  MemberAddedEvent, MemberRemovedEvent, ReadState, RoomAddedEvent, RoomDeletedEvent, RoomRemovedEvent, RoomUpdatedEvent,
  PlaceSettings, PresenceAlerts, Profile, UserBannedEvent, type ServerToClientEvents,
} from "../protocol/index.js";
import { announcePlaceDefault } from "./notifications/bus.js";
import { announceBan, announcePresenceAlerts, announceProfile } from "./profile/bus.js";
import type { ChatSocket } from "./socket.js";
import type { ChatAction, ChatState } from "./state/chat.js";
import { setPlaceName } from "./lib/placeName.js";
import { announceRegistrationMode } from "./invite/registrationMode.js";
import { roomTitle } from "./state/rooms.js";

/**
 * The live room, read-state and ban events of issue 9, parsed with the protocol's schemas and turned
 * into reducer actions. `onAdded` fetches the first page of a room this user just got into;
 * `onBannedMe` signs out. Returns the function that stops listening.
 */
export function listenToRoomEvents(socket: ChatSocket, dispatch: Dispatch<ChatAction>, options: {
  state: () => ChatState;
  onAdded: (roomId: string) => void;
  onBannedMe: () => void;
}): () => void {
  // Each payload is parsed before use, so listeners take `unknown` (not the declared event types).
  const emitter = socket as unknown as { on(event: string, l: (raw: unknown) => void): unknown; off(event: string, l: (raw: unknown) => void): unknown };
  const on = <T>(event: keyof ServerToClientEvents, schema: { safeParse(raw: unknown): { success: true; data: T } | { success: false } }, handle: (data: T) => void) => {
    const listener = (raw: unknown) => {
      const parsed = schema.safeParse(raw);
      if (parsed.success) handle(parsed.data);
    };
    emitter.on(event, listener);
    return () => void emitter.off(event, listener);
  };
  const offs = [
    on("room.added", RoomAddedEvent, ({ room }) => {
      const known = options.state().rooms[room.id];
      dispatch({ type: "roomAdded", room });
      if (!known) options.onAdded(room.id);
    }),
    on("room.removed", RoomRemovedEvent, ({ roomId, reason }) => {
      const state = options.state();
      const room = state.rooms[roomId];
      dispatch({ type: "roomRemoved", roomId, reason, title: room ? roomTitle(room, state.me.username) : undefined });
    }),
    on("room.deleted", RoomDeletedEvent, ({ roomId }) => dispatch({ type: "detailsDropped", roomId })),
    on("room.updated", RoomUpdatedEvent, (event) => {
      dispatch({ type: "roomUpdated", roomId: event.roomId, name: event.name, topic: event.topic, visibility: event.visibility });
      dispatch({ type: "detailsUpdated", event });
    }),
    on("room.member.added", MemberAddedEvent, (event) => dispatch({ type: "memberAdded", event })),
    on("room.member.removed", MemberRemovedEvent, (event) => dispatch({ type: "memberRemoved", event })),
    on("room.read", ReadState, ({ roomId, lastRead, unread }) => dispatch({ type: "readState", roomId, lastRead, unread })),
    on("user.banned", UserBannedEvent, ({ id, username }) => {
      if (id === options.state().me.id) return options.onBannedMe();
      dispatch({ type: "userBanned", userId: id, banned: true });
      announceBan({ id, username, banned: true });
    }),
    on("user.unbanned", UserBannedEvent, ({ id, username }) => {
      dispatch({ type: "userBanned", userId: id, banned: false });
      announceBan({ id, username, banned: false });
    }),
    // issue 18: a changed display name shows at once; a new account joins the people list, a
    // deactivated one leaves it and comes back when reactivated.
    on("user.profile", Profile, (p) => {
      dispatch({ type: "profileSeen", user: { id: p.id, username: p.username, online: p.online, ...(p.displayName ? { displayName: p.displayName } : {}), ...(p.avatarUrl ? { avatarUrl: p.avatarUrl } : {}) } });
      dispatch({ type: "deactivationSeen", users: [p] });
      announceProfile(p);
    }),
    // The person's "tell me when they come online" list changed on another tab or device.
    on("presence.alerts", PresenceAlerts, ({ userIds }) => announcePresenceAlerts(userIds)),
    // An administrator changed the place's settings: rooms that follow its default level follow at once.
    on("place.settings", PlaceSettings, (settings) => {
      announcePlaceDefault(settings.defaultNotificationLevel);
      setPlaceName(settings.placeName);
      announceRegistrationMode(settings.registration);
    }),
  ];
  return () => offs.forEach((off) => off());
}
