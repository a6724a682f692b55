import type { MemberAddedEvent, MemberRemovedEvent, RoomDetails, RoomUpdatedEvent } from "../../protocol/index.js";

/** What `GET /room/:id` said about each room looked at (settings, members), kept live by room events. */
export type DetailsSlice = Readonly<Record<string, RoomDetails>>;

export type DetailsAction =
  | { type: "detailsLoaded"; details: RoomDetails }
  | { type: "memberAdded"; event: MemberAddedEvent }
  | { type: "memberRemoved"; event: MemberRemovedEvent }
  | { type: "detailsUpdated"; event: RoomUpdatedEvent }
  | { type: "detailsDropped"; roomId: string };

const DETAILS_ACTIONS: ReadonlySet<string> = new Set<DetailsAction["type"]>(["detailsLoaded", "memberAdded", "memberRemoved", "detailsUpdated", "detailsDropped"]);

export function isDetailsAction(action: { type: string }): action is DetailsAction {
  return DETAILS_ACTIONS.has(action.type);
}

function put(slice: DetailsSlice, details: RoomDetails): DetailsSlice {
  return { ...slice, [details.id]: details };
}

/** Members sorted for the panel: managers' owner first, then online, then by name. */
export function sortMembers<T extends { id: number; username: string; online: boolean }>(members: readonly T[], ownerId: number | null): T[] {
  return [...members].sort((a, b) => Number(b.id === ownerId) - Number(a.id === ownerId)
    || Number(b.online) - Number(a.online) || a.username.localeCompare(b.username));
}

/** Events for rooms never looked at are dropped: their details are fetched when first needed. */
export function detailsReducer(slice: DetailsSlice, action: DetailsAction): DetailsSlice {
  switch (action.type) {
    case "detailsLoaded":
      return put(slice, action.details);
    case "memberAdded": {
      const room = slice[action.event.roomId];
      if (!room) return slice;
      const members = room.members.some((m) => m.id === action.event.member.id)
        ? room.members.map((m) => (m.id === action.event.member.id ? action.event.member : m))
        : [...room.members, action.event.member];
      return put(slice, { ...room, members, memberCount: action.event.memberCount });
    }
    case "memberRemoved": {
      const room = slice[action.event.roomId];
      if (!room) return slice;
      return put(slice, { ...room, members: room.members.filter((m) => m.id !== action.event.userId), memberCount: action.event.memberCount });
    }
    case "detailsUpdated": {
      const room = slice[action.event.roomId];
      if (!room) return slice;
      const { name, topic, visibility } = action.event;
      return put(slice, { ...room, name, topic, visibility });
    }
    case "detailsDropped": {
      if (!slice[action.roomId]) return slice;
      const { [action.roomId]: _gone, ...rest } = slice;
      return rest;
    }
  }
}
