import { z } from "zod";
import { RoomId, UserId } from "./ids.js";
import { MESSAGE_ID_PATTERN } from "./message.js";
import { Role } from "./roles.js";

/**
 * Rooms people make (issue 9): named rooms (open or closed) and group conversations, beside the
 * seed's General (`0`) and private rooms (`{low}:{high}`). A new room's id is a decimal number from
 * a counter of ours (never `0`, never containing `:`), so it cannot collide with either.
 */

/** Whether an id is of the shape `rooms:counter` hands out (a room people made, or a seed server's numbered room). */
export function isMadeRoomId(roomId: string): boolean {
  return /^[1-9]\d{0,15}$/.test(roomId);
}

/** `open`: listed in the directory, anyone signed in joins; `closed`: members only, added by managers. */
export const RoomVisibility = z.enum(["open", "closed"]);
export type RoomVisibility = z.infer<typeof RoomVisibility>;

/**
 * What a room is: `general` (room `0`), `private` (two people, the seed's), `room` (named, made by
 * someone), `group` (a closed, unnamed room of 3+ people, shown by its members' names).
 */
export const RoomKind = z.enum(["general", "private", "room", "group"]);
export type RoomKind = z.infer<typeof RoomKind>;

export const MAX_ROOM_NAME_LENGTH = 80;
export const MAX_ROOM_TOPIC_LENGTH = 250;
/** Members named at creation (or people in a group conversation), the creator included. */
export const MAX_INITIAL_MEMBERS = 100;

// Control characters (C0, DEL, C1) never belong in a name or a topic.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** 1-80 characters after trimming, no control characters. */
export const RoomName = z
  .string("name must be a string")
  .trim()
  .min(1, "name must not be empty")
  .max(MAX_ROOM_NAME_LENGTH, `name must be at most ${MAX_ROOM_NAME_LENGTH} characters`)
  .refine((s) => !CONTROL.test(s), "name must not contain control characters");

/** 0-250 characters after trimming; empty means no topic. */
export const RoomTopic = z
  .string("topic must be a string")
  .trim()
  .max(MAX_ROOM_TOPIC_LENGTH, `topic must be at most ${MAX_ROOM_TOPIC_LENGTH} characters`)
  .refine((s) => !/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(s), "topic must not contain control characters");

/**
 * `POST /rooms`. With a `name`: a named room (`visibility` defaults to `open`; `members` are added
 * besides the creator). Without a name: a group conversation of exactly `members` (the creator is
 * added if missing; 3 or more people in all), answered 201 when new, 200 when those people already
 * have one.
 */
export const CreateRoomBody = z
  .object({
    name: RoomName.optional(),
    topic: RoomTopic.optional(),
    visibility: RoomVisibility.optional(),
    members: z.array(UserId).max(MAX_INITIAL_MEMBERS, `at most ${MAX_INITIAL_MEMBERS} members at once`).optional(),
  })
  .refine((b) => b.name !== undefined || b.members !== undefined, "a room needs a name, or members for a group conversation");
export type CreateRoomBody = z.infer<typeof CreateRoomBody>;

/** `PATCH /room/:id`: any subset; at least one field. Group conversations cannot be renamed or opened. */
export const UpdateRoomBody = z
  .object({ name: RoomName.optional(), topic: RoomTopic.optional(), visibility: RoomVisibility.optional() })
  .refine((b) => b.name !== undefined || b.topic !== undefined || b.visibility !== undefined, "nothing to change");
export type UpdateRoomBody = z.infer<typeof UpdateRoomBody>;

/** `PUT|DELETE /room/:id/members/:userId`. */
export const RoomMemberParams = z.object({ id: RoomId, userId: UserId });

/** A member as `GET /room/:id` lists them. */
export const RoomMember = z.object({
  id: z.number().int(),
  username: z.string(),
  online: z.boolean(),
  role: Role,
  /** Present (true) only for a deactivated account: its name shows marked. Optional for older servers. */
  deactivated: z.boolean().optional(),
  /** Present (true) only for a banned account: it stays a member (a lifted ban gives its rooms back) and its name shows marked. */
  banned: z.boolean().optional(),
});
export type RoomMember = z.infer<typeof RoomMember>;

/**
 * `GET /room/:id`, and the answer of `POST /rooms` and `PATCH /room/:id`. `members` lists everyone
 * for named rooms and groups (General lists none: everyone is in it). `ownerId` is the creator
 * (null for General, private rooms and rooms made by a seed server); `canManage` says whether the
 * asking user may rename, change members and delete (the owner and administrators).
 */
export const RoomDetails = z.object({
  id: RoomId,
  name: z.string(),
  topic: z.string(),
  visibility: RoomVisibility,
  kind: RoomKind,
  ownerId: z.number().int().nullable(),
  memberCount: z.number().int(),
  members: z.array(RoomMember),
  canManage: z.boolean(),
});
export type RoomDetails = z.infer<typeof RoomDetails>;

/** `GET /rooms`: the directory of open rooms. */
export const DirectoryRoom = z.object({
  id: RoomId,
  name: z.string(),
  topic: z.string(),
  visibility: RoomVisibility,
  memberCount: z.number().int(),
  joined: z.boolean(),
});
export type DirectoryRoom = z.infer<typeof DirectoryRoom>;

/**
 * `GET /rooms?q=&cursor=&limit=`: a page of the directory, newest activity first; `q` keeps rooms
 * whose name contains it (any case). The next page's cursor comes in the `X-Next-Cursor` header
 * (absent on the last page).
 */
export const DirectoryQuery = z.object({
  q: z.string().max(80, "q must be at most 80 characters").optional(),
  cursor: z.string().regex(/^\d+(\.\d+)?:\d+$/, "cursor is not a directory cursor").optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type DirectoryQuery = z.infer<typeof DirectoryQuery>;
/** The response header carrying the next page's cursor. */
export const NEXT_CURSOR_HEADER = "x-next-cursor";

/**
 * An entry of `GET /rooms/:userId` (the seed's list, extended): the seed's `{id, names}` plus
 * `name` (General and named rooms their name, a group its members' names joined with ", ", a
 * private room the two usernames joined with ", "), the room's `kind`, `topic` and `visibility`,
 * and the read state: `lastRead` (the id of the last message this user read there, or null) and
 * `unread` (messages after it; every message when null).
 */
export const UserRoom = z.object({
  id: RoomId,
  names: z.array(z.string()),
  name: z.string(),
  kind: RoomKind,
  topic: z.string(),
  visibility: RoomVisibility,
  unread: z.number().int(),
  lastRead: z.string().nullable(),
});
export type UserRoom = z.infer<typeof UserRoom>;

/** A message id, as `ChatMessage.id` (see MESSAGE_ID_PATTERN in message.ts). */
export const MessageIdString = z.string("messageId must be a string").regex(MESSAGE_ID_PATTERN, "messageId must be a message id");

/** `PUT /room/:id/read`: the last message this user has read in the room. Read state only moves forward. */
export const MarkReadBody = z.object({ messageId: MessageIdString });
export type MarkReadBody = z.infer<typeof MarkReadBody>;

/**
 * The answer of `PUT /room/:id/read`, and the `room.read` event to the user's sockets (their other
 * tabs and devices) when it moves (only then). `lastRead` may be later than what was sent (it never
 * goes back): events published on different instances may arrive out of order, so a client keeps the
 * newest `lastRead` it has heard and drops an older one.
 */
export const ReadState = z.object({ roomId: RoomId, lastRead: z.string().nullable(), unread: z.number().int() });
export type ReadState = z.infer<typeof ReadState>;

// --- socket events (server to client), all in batch and seed modes ---

/**
 * `room.added`: the user is now a member of this room (created it, joined it, or was added). Their
 * sockets on every instance have already been subscribed to it. Seed-mode sockets also get the
 * seed's `show.room {id, names}`.
 */
export const RoomAddedEvent = z.object({ room: UserRoom });
export type RoomAddedEvent = z.infer<typeof RoomAddedEvent>;

/**
 * `room.removed`: the user is no longer a member (`left`, `removed` by a manager, or the room was
 * `deleted`). Their sockets no longer receive its messages, and reads and writes are refused.
 */
export const RoomRemovedReason = z.enum(["left", "removed", "deleted"]);
export const RoomRemovedEvent = z.object({ roomId: RoomId, reason: RoomRemovedReason });
export type RoomRemovedEvent = z.infer<typeof RoomRemovedEvent>;

/** `room.updated`: to the room's members when its name, topic or visibility changed. */
export const RoomUpdatedEvent = z.object({
  roomId: RoomId,
  name: z.string(),
  topic: z.string(),
  visibility: RoomVisibility,
});
export type RoomUpdatedEvent = z.infer<typeof RoomUpdatedEvent>;

/** `room.member.added`: to the room's members (the new one included). */
export const MemberAddedEvent = z.object({ roomId: RoomId, member: RoomMember, memberCount: z.number().int() });
export type MemberAddedEvent = z.infer<typeof MemberAddedEvent>;

/** `room.member.removed`: to the room's remaining members. */
export const MemberRemovedEvent = z.object({ roomId: RoomId, userId: z.number().int(), memberCount: z.number().int(), reason: RoomRemovedReason });
export type MemberRemovedEvent = z.infer<typeof MemberRemovedEvent>;

/** `room.deleted`: to the room's members (each also gets `room.removed` with reason `deleted`). */
export const RoomDeletedEvent = z.object({ roomId: RoomId });
export type RoomDeletedEvent = z.infer<typeof RoomDeletedEvent>;

// --- the envelope of ours on MESSAGES (server to server): `{serverId, type: "room.change", data}` ---

/**
 * A change every instance applies to its own sockets and caches. It carries ids only: a server
 * written to the seed re-broadcasts envelopes it does not know to all its clients, so nothing
 * private (a closed room's name, who reads what) travels in it; an instance that has sockets
 * concerned reads what it needs from Redis.
 */
export const RoomLiveChange = z.discriminatedUnion("change", [
  /** `userIds` became members (at creation: everyone, the creator included). */
  z.object({ change: z.literal("member.added"), roomId: RoomId, userIds: z.array(z.number().int()).max(10_000) }),
  z.object({ change: z.literal("member.removed"), roomId: RoomId, userId: z.number().int(), reason: z.enum(["left", "removed"]) }),
  /** Name, topic or visibility changed. */
  z.object({ change: z.literal("room.updated"), roomId: RoomId }),
  z.object({ change: z.literal("room.deleted"), roomId: RoomId, memberIds: z.array(z.number().int()).max(100_000) }),
  /** The user's read marker moved: tell their sockets. */
  z.object({ change: z.literal("read"), userId: z.number().int(), roomId: RoomId, lastRead: z.string().nullable(), unread: z.number().int() }),
  /** Banned: every socket of the user is disconnected; everyone is told. */
  z.object({ change: z.literal("user.banned"), userId: z.number().int(), username: z.string() }),
  z.object({ change: z.literal("user.unbanned"), userId: z.number().int(), username: z.string() }),
]);
export type RoomLiveChange = z.infer<typeof RoomLiveChange>;

/** The answer of routes that only confirm (`DELETE /room/:id`, `POST /room/:id/leave`, `DELETE /room/:id/members/:userId`, `DELETE /invites/:code`). */
export const OkAnswer = z.object({ ok: z.literal(true) });
