import {
  MAX_REACTIONS_PER_MESSAGE,
  Reaction,
  ReactionUpdated,
  type ChatMessage,
} from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";
import { RECORD_CHANGE_LUA } from "./changes.js";
import { busArgs, type PubSubMode } from "../../redis/bus.js";
import { findMessage } from "./lookup.js";

const Reactions = Reaction.array();

/**
 * KEYS: room sorted set, reactions hash, changes stream (one slot: `room:ID` / `{room:ID}:...`).
 * ARGV: the message's exact member, message id, emoji, user id, '1' add / '0' remove, room id,
 * server id, max distinct emoji per message.
 * Returns {'ok', change JSON}, {'unchanged', reactions JSON}, {'gone'} (the member is no longer
 * there: deleted or edited meanwhile), or {'full'} (too many distinct emoji).
 */
const REACT = new LuaScript(`${RECORD_CHANGE_LUA}
local room, hash, changes = KEYS[1], KEYS[2], KEYS[3]
local member, id, emoji, user, add = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5] == '1'
if not redis.call('ZSCORE', room, member) then return {'gone'} end
local raw = redis.call('HGET', hash, id)
local list = {}
if raw then list = cjson.decode(raw) end
local found = nil
for i, r in ipairs(list) do
  if r.emoji == emoji then found = i end
end
local changed = false
if add then
  if not found then
    if #list >= tonumber(ARGV[8]) then return {'full'} end
    table.insert(list, {emoji = emoji, users = {user}})
    changed = true
  else
    local users = list[found].users
    local has = false
    for _, u in ipairs(users) do if u == user then has = true end end
    if not has then table.insert(users, user); changed = true end
  end
elseif found then
  local users, kept = list[found].users, {}
  for _, u in ipairs(users) do if u ~= user then table.insert(kept, u) end end
  if #kept ~= #users then
    changed = true
    if #kept == 0 then table.remove(list, found) else list[found].users = kept end
  end
end
local encoded = '[]'
if #list > 0 then encoded = cjson.encode(list) end
if not changed then return {'unchanged', encoded} end
if #list == 0 then redis.call('HDEL', hash, id) else redis.call('HSET', hash, id, encoded) end
local body = '{"type":"reaction.updated","roomId":' .. cjson.encode(ARGV[6]) .. ',"id":' .. cjson.encode(id) ..
  ',"reactions":' .. encoded .. ',"userId":' .. ARGV[4] .. ',"emoji":' .. cjson.encode(emoji) ..
  ',"added":' .. (add and 'true' or 'false') .. '}'
return {'ok', record(changes, 'reaction.updated', body, ARGV[7])}
`);

export type ReactionResult =
  | { status: "changed"; change: ReactionUpdated }
  | { status: "unchanged"; reactions: Reaction[] }
  | { status: "not-found" }
  | { status: "too-many" };

/**
 * Reactions: per room one hash `{room:ID}:reactions`, field = message id, value = JSON
 * `[{emoji, users}]` in the order the emoji were first used. A change and its change-log entry and
 * publication are one script on the room's slot. Reading a page of history costs one HMGET.
 */
export class MessageReactions {
  constructor(private readonly redis: Redis, private readonly bus: PubSubMode = "seed") {}

  /**
   * Adds (`add`) or removes the user's `emoji` on message `id`. Membership is the caller's to check.
   * `serverId` is what the publication carries: the caller's instance skips it and delivers itself.
   */
  async react(roomId: string, id: string, userId: number, emoji: string, add: boolean, serverId: string): Promise<ReactionResult> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const found = await findMessage(this.redis, roomId, id);
      if (!found) return { status: "not-found" };
      const reply = (await REACT.run(this.redis, [keys.room(roomId), keys.roomReactions(roomId), keys.roomChanges(roomId)], [
        found.member, found.message.id, emoji, userId, add ? "1" : "0", roomId, serverId, MAX_REACTIONS_PER_MESSAGE, ...busArgs(this.bus, roomId),
      ])) as [string, string?];
      const [status, payload] = reply;
      if (status === "gone") continue; // edited between the lookup and the script: look again
      if (status === "full") return { status: "too-many" };
      if (status === "unchanged") return { status: "unchanged", reactions: parseReactions(payload) };
      return { status: "changed", change: ReactionUpdated.parse(JSON.parse(payload!)) };
    }
    return { status: "not-found" };
  }

  /** The reactions of one message (`[]` when none). */
  async of(roomId: string, id: string): Promise<Reaction[]> {
    return parseReactions(await this.redis.hGet(keys.roomReactions(roomId), id));
  }

  /** Adds `reactions` to the messages that have any, in place, with one HMGET for the whole page. */
  async attach(roomId: string, messages: ChatMessage[]): Promise<ChatMessage[]> {
    return attachReactions(this.redis, roomId, messages);
  }
}

/** See MessageReactions.attach. */
export async function attachReactions(redis: Redis, roomId: string, messages: ChatMessage[]): Promise<ChatMessage[]> {
  if (messages.length === 0) return messages;
  const values = await redis.hmGet(keys.roomReactions(roomId), messages.map((m) => m.id));
  messages.forEach((message, i) => {
    const reactions = parseReactions(values[i]);
    if (reactions.length > 0) message.reactions = reactions;
  });
  return messages;
}

function parseReactions(raw: string | null | undefined): Reaction[] {
  if (!raw) return [];
  try {
    const parsed = Reactions.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}
