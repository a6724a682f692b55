import { GENERAL_ROOM_ID, parsePrivateRoomId, type NotificationRoomKind } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { Users } from "../users.js";

/**
 * What notifications need to know of the rooms people make (neither General nor private): whether
 * one is a group conversation (a closed room of three or more, unnamed) and who its members are.
 * Provided by the rooms module; without it every such room counts as a named room.
 */
export interface ConversationRooms {
  kindOf(roomId: string): Promise<"group" | "named">;
  members(roomId: string): Promise<readonly number[]>;
}

/** Who a room's messages may notify. */
export interface RoomAudience {
  kind: NotificationRoomKind;
  /** The members, when the room is a conversation (private, group); null for named rooms, where only mentions notify. */
  members: readonly number[] | null;
  /**
   * The title of a notification for `recipientId`, read only when one is about to be sent: a named
   * room's name; a group's other members' names; null for a private room (titled by the sender).
   */
  title(recipientId: number): Promise<string | null>;
}

const GROUP_TITLE_NAMES = 4;

/**
 * A room's kind and (for conversations) members. A private room's come from its id, with no Redis
 * call; General and other named rooms are not enumerated: there, only the people a message
 * mentions are candidates, so a message never costs a walk over every member.
 */
export async function roomAudience(redis: Redis, users: Users, roomId: string, conversations?: ConversationRooms): Promise<RoomAudience> {
  const pair = parsePrivateRoomId(roomId);
  if (pair) return { kind: "private", members: pair, title: async () => null };
  const kind = roomId === GENERAL_ROOM_ID || !conversations ? "named" : await conversations.kindOf(roomId);
  if (kind === "group") {
    const members = await conversations!.members(roomId);
    return {
      kind,
      members,
      async title(recipientId) {
        const others = members.filter((id) => id !== recipientId);
        const names = await users.usernames(others.slice(0, GROUP_TITLE_NAMES));
        const listed = others.slice(0, GROUP_TITLE_NAMES).map((id) => names.get(id)).filter((n): n is string => n !== undefined);
        const more = others.length - listed.length;
        return more > 0 ? `${listed.join(", ")} +${more}` : listed.join(", ") || "Group conversation";
      },
    };
  }
  let name: Promise<string> | undefined;
  return {
    kind: "named",
    members: null,
    title: () => (name ??= redis.get(keys.roomName(roomId)).then((n) => n ?? (roomId === GENERAL_ROOM_ID ? "General" : `Room ${roomId}`))),
  };
}

/** The room kind as far as the id tells (private from its shape; everything else named until told otherwise). */
export function roomKindFromId(roomId: string): NotificationRoomKind {
  return parsePrivateRoomId(roomId) ? "private" : "named";
}

/** Rooms whose kind is remembered per instance (a room's kind never changes). */
const KIND_CACHE_ROOMS = 10_000;

/**
 * ConversationRooms over the rooms module: the kind from the room's record (`{room:ID}:meta`,
 * remembered per instance: a room never changes kind), the members from its member cache.
 */
export function conversationRoomsFrom(
  namedRooms: { meta(roomId: string): Promise<{ kind: string } | undefined> },
  membership: { members(roomId: string): Promise<number[]> },
): ConversationRooms {
  const kinds = new Map<string, "group" | "named">();
  return {
    async kindOf(roomId) {
      const known = kinds.get(roomId);
      if (known) return known;
      const meta = await namedRooms.meta(roomId);
      const kind = meta?.kind === "group" ? "group" : "named";
      if (kinds.size >= KIND_CACHE_ROOMS) kinds.delete(kinds.keys().next().value!);
      kinds.set(roomId, kind);
      return kind;
    },
    members: (roomId) => membership.members(roomId),
  };
}
