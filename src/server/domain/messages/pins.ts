import { GENERAL_ROOM_ID, parsePrivateRoomId, type PinnedMessage, type PinsUpdated } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";
import type { Messages } from "../messages.js";
import type { Rooms } from "../rooms.js";
import type { NamedRooms } from "../rooms/named-rooms.js";
import type { Roles } from "../users/role.js";
import { resolveReplies } from "./replies.js";
import type { Outcome } from "./actions.js";

/**
 * KEYS: room sorted set, pins hash. ARGV: the message's exact member, its id, the pin JSON ('' to
 * unpin). Pins only a message still in the room (an edit or deletion meanwhile: 'gone'). Returns
 * {'ok', id, ...} with the room's pinned ids.
 */
const PIN = new LuaScript(`
if ARGV[3] ~= '' then
  if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {'gone'} end
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
else
  redis.call('HDEL', KEYS[2], ARGV[2])
end
local out = redis.call('HKEYS', KEYS[2])
table.insert(out, 1, 'ok')
return out
`);

/** Where pin changes go live: the realtime layer publishes them to every instance. */
export interface PinsSink {
  pinsChanged(change: PinsUpdated): Promise<void>;
}

const NOT_MEMBER = { ok: false, status: 403, error: "You are not a member of this room" } as const;
const NOT_MANAGER = { ok: false, status: 403, error: "Only the room's managers can pin messages" } as const;
const NO_MESSAGE = { ok: false, status: 404, error: "No such message in this room" } as const;

/**
 * Pinned messages (`{room:ID}:pins`, in the room's slot): room managers pin and unpin, members
 * read them. The delete script unpins a deleted message (messages/edits.ts); a deleted room's
 * pins go with its keys.
 */
export class Pins {
  private sink: PinsSink | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly messages: Messages,
    private readonly rooms: Rooms,
    private readonly roles: Roles,
    private readonly namedRooms: NamedRooms,
  ) {}

  attach(sink: PinsSink): void {
    this.sink = sink;
  }

  /**
   * Who manages a room's pins: in a room people made, its managers (creator, administrators); in
   * a one-to-one conversation, both people; in General and rooms of other servers, administrators.
   */
  async mayManage(userId: number, roomId: string): Promise<boolean> {
    if (!(await this.rooms.isMember(userId, roomId))) return false;
    if (parsePrivateRoomId(roomId)) return true;
    if (roomId !== GENERAL_ROOM_ID) {
      const meta = await this.namedRooms.meta(roomId);
      if (meta?.ownerId === userId) return true;
    }
    return this.roles.isAdmin(userId);
  }

  async pin(userId: number, roomId: string, messageId: string, pinned: boolean): Promise<Outcome<PinsUpdated>> {
    if (!(await this.rooms.isMember(userId, roomId))) return NOT_MEMBER;
    if (!(await this.mayManage(userId, roomId))) return NOT_MANAGER;
    const found = await this.messages.find(roomId, messageId);
    if (pinned && !found) return NO_MESSAGE;
    const reply = (await PIN.run(this.redis, [keys.room(roomId), keys.roomPins(roomId)], [
      found?.member ?? "", messageId, pinned ? JSON.stringify({ by: userId, at: Date.now() }) : "",
    ])) as string[];
    if (reply[0] !== "ok") return NO_MESSAGE;
    const change: PinsUpdated = { roomId, messageIds: reply.slice(1) };
    await this.sink?.pinsChanged(change);
    return { ok: true, value: change };
  }

  /** The room's pinned messages, the latest pinned first; pins of messages gone meanwhile are dropped. */
  async list(userId: number, roomId: string): Promise<Outcome<PinnedMessage[]>> {
    if (!(await this.rooms.isMember(userId, roomId))) return NOT_MEMBER;
    const pins = Object.entries(await this.redis.hGetAll(keys.roomPins(roomId)));
    const found = await Promise.all(pins.map(([id]) => this.messages.find(roomId, id)));
    const out: PinnedMessage[] = [];
    pins.forEach(([, json], i) => {
      const message = found[i]?.message;
      if (!message) return;
      const pin = JSON.parse(json) as { by?: number; at?: number };
      out.push({ message, pinnedBy: Number(pin.by ?? 0), pinnedAt: Number(pin.at ?? 0) });
    });
    // A pinned reply quotes its original as it is now, as history does.
    await resolveReplies(this.redis, roomId, out.map((p) => p.message));
    return { ok: true, value: out.sort((a, b) => b.pinnedAt - a.pinnedAt) };
  }
}
