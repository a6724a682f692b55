import { ChatMessage, compareMessageIds, MESSAGE_ID_PATTERN, replyPreviewOf, type ChatMessage as Message, type RoomSummary } from "../../protocol/index.js";
import type { Redis } from "../redis/connection.js";
import type { DurableWrites } from "../redis/durable-writes.js";
import { keys } from "../redis/keys.js";
import { LuaScript } from "../redis/script.js";
import { BUS_PUBLISH_LUA, busArgs, type PubSubMode } from "../redis/bus.js";
import { messageIdForSeedMember, scoreFromMessageId } from "./message-ids.js";
import { findMessage, type FoundMessage } from "./messages/lookup.js";
import { attachReactions } from "./messages/reactions.js";
import { attachPreviews } from "./messages/previews.js";
import { resolveReplies } from "./messages/replies.js";
import type { SearchIndex } from "./search/index.js";
import { SEARCH_INDEX_LUA } from "./search/redis7.js";
import { termsFor } from "./search/index.js";
import { CLAIM_ATTACHMENTS_LUA } from "./attachments/claim.js";

/** How long a (user, clientId) pair is remembered, so a resend returns the first stored message. */
export const CLIENT_ID_TTL_SECONDS = 600;

/**
 * Stores one message and publishes it, atomically and in one round trip.
 *
 * KEYS: room sorted set, rate counter, member set (or the room again when not checked), the
 * room's read markers, [clientId marker]. On Redis Cluster all of them share the room's hash slot
 * (the rate counter is then per user and room); on one Redis it is the user's own, across rooms.
 * ARGV: from, text, roomId, serverId, rate limit (0 = off), rate window ms, clientId TTL s,
 * the room's `show.room` payload ('' for none), published before the message when it is the
 * room's first, so that every instance's sockets learn of the room before its first message;
 * our extra fields as JSON object members (`,"mentions":[..],"replyTo":..,"reply":{..}`, or ''),
 * and the exact member of the message replied to ('' for none): when it is no longer in the room
 * (deleted or edited meanwhile) nothing is stored and the answer is 'noreply' (a resend found by
 * its clientId marker is answered 'duplicate' first);
 * '1' to check that `from` is in the member set (rooms people make: a member removed a moment ago
 * on another instance cannot write, whatever that instance's cache says);
 * the message's search terms ('' for none) and the room's search key prefix (domain/search);
 * the id of the message replied to ('' for none) and the room's replies hash, where this reply's
 * id is added under it (domain/messages/quote-scrub.ts).
 * KEYS[6..] (with a clientId marker always at KEYS[5]): the files the message carries, claimed by
 * CLAIM_ATTACHMENTS_LUA (attachments/claim.ts), which answers 'noattachment' when one is not available.
 *
 * ARGV ends with busArgs (the room's channel and PUBSUB_MODE: how the message is published).
 *
 * The time comes from Redis (one clock for every instance) and is bumped past the room's newest
 * score, so scores are unique and history order equals send order even within one microsecond;
 * but never by more than MAX_BUMP_MICROS: past a message dated further ahead (a seed client may
 * send any date, even milliseconds), our time stays the true one, made unique by its exact score.
 */
/** How far ahead of Redis's clock the room's newest message may be for ours to follow it (2 s). */
const MAX_BUMP_MICROS = 2_000_000;

const STORE_MESSAGE = new LuaScript(`${BUS_PUBLISH_LUA}${SEARCH_INDEX_LUA}
local room, rate, members, reads, marker = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
if ARGV[11] == '1' and redis.call('SISMEMBER', members, ARGV[1]) == 0 then return {'not-member', ''} end
if marker then
  local first = redis.call('GET', marker)
  if first then
    -- Edited since (messages/edits.ts)? The resend gets the message as it is now, found at the
    -- unique score its id names.
    if not redis.call('ZSCORE', room, first) then
      local id = string.match(first, '^{"id":"(%d+)"')
      if id and #id > 6 then
        local score = string.sub(id, 1, -7) .. '.' .. string.sub(id, -6)
        local current = redis.call('ZRANGE', room, score, score, 'BYSCORE')[1]
        if current then first = current end
      end
    end
    return {'duplicate', first}
  end
end
if ARGV[10] ~= '' and not redis.call('ZSCORE', room, ARGV[10]) then return {'noreply', ''} end
local limit = tonumber(ARGV[5])
if limit > 0 then
  local count = redis.call('INCR', rate)
  if count == 1 then redis.call('PEXPIRE', rate, ARGV[6]) end
  if count > limit then return {'rate', tostring(redis.call('PTTL', rate))} end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local newest = redis.call('ZRANGE', room, -1, -1, 'WITHSCORES')
local first_in_room = 1
if newest[2] then
  first_in_room = 0
  local last = math.floor(tonumber(newest[2]) * 1000000 + 0.5)
  if now <= last and last - now < ${MAX_BUMP_MICROS} then
    now = last + 1
  elseif now <= last then
    -- Dated far ahead (a seed client may send any date): ours stays truthful, unique by its score.
    while #redis.call('ZRANGE', room, string.format('%d.%06d', math.floor(now / 1000000), now % 1000000),
      string.format('%d.%06d', math.floor(now / 1000000), now % 1000000), 'BYSCORE', 'LIMIT', 0, 1) > 0 do now = now + 1 end
  end
end
local sec = math.floor(now / 1000000)
local usec = now - sec * 1000000
local id = string.format('%d%06d', sec, usec)
${CLAIM_ATTACHMENTS_LUA}
local json = '{"id":"' .. id .. '","from":' .. ARGV[1] .. ',"date":' .. string.format('%d', sec) ..
  ',"message":' .. cjson.encode(ARGV[2]) .. ',"roomId":' .. cjson.encode(ARGV[3]) .. ARGV[9] .. '}'
redis.call('ZADD', room, string.format('%d.%06d', sec, usec), json)
if ARGV[12] ~= '' then search_index(ARGV[13], id, '', ARGV[12]) end
if marker then redis.call('SET', marker, json, 'EX', ARGV[7]) end
if ARGV[14] ~= '' then
  local quoting = redis.call('HGET', ARGV[15], ARGV[14])
  redis.call('HSET', ARGV[15], ARGV[14], quoting and (quoting .. ' ' .. id) or id)
end
redis.call('HSET', reads, ARGV[1], id)
if first_in_room == 1 and ARGV[8] ~= '' then
  bus_publish('{"serverId":' .. cjson.encode(ARGV[4]) .. ',"type":"show.room","data":' .. ARGV[8] .. '}', true)
end
bus_publish('{"serverId":' .. cjson.encode(ARGV[4]) .. ',"type":"message","data":' .. json .. '}', true)
return {'stored', json, tostring(first_in_room)}
`);

export type StoreResult =
  | { status: "stored"; message: Message; firstInRoom: boolean }
  | { status: "duplicate"; message: Message }
  | { status: "rate-limited"; retryAfterMs: number }
  | { status: "not-member" }
  | { status: "reply-not-found" }
  | { status: "attachment-unavailable" };

export interface StoreRequest {
  roomId: string;
  from: number;
  text: string;
  clientId?: string;
  serverId: string;
  rateLimit: number;
  rateWindowMs: number;
  /** For a private room: announced to every instance if this turns out to be its first message. */
  showRoom?: RoomSummary;
  /** A room people made: `from` must be in its member set `{room:ID}:members`, checked by the script. */
  checkMember?: boolean;
  /** Ids of the room's members the text mentions (see messages/mentions.ts). */
  mentions?: number[];
  /** The message this one answers, as found in the room (see messages/lookup.ts). */
  replyTo?: FoundMessage;
  /** The message replied to was not found: a resend (its clientId known) answers `duplicate`, anything else `reply-not-found`. */
  replyToGone?: boolean;
  /** Ids of files this sender uploaded to the room and has not sent (needs a clientId). */
  attachments?: string[];
}

/**
 * Messages: the `room:{id}` sorted sets (the seed's history), plus idempotency markers and rate
 * counters that live in the same hash slot.
 */
export class Messages {
  constructor(
    private readonly redis: Redis,
    private readonly cluster = false,
    /** DURABLE_ACKS=replica: a message is acknowledged once a replica has it (see redis/durable-writes.ts). */
    private readonly durable?: DurableWrites,
    readonly bus: PubSubMode = "seed",
    /** The search index the store script writes (domain/search); absent: nothing indexed. */
    private readonly search?: SearchIndex,
  ) {}

  async store(req: StoreRequest): Promise<StoreResult> {
    const rateKey = this.cluster ? keys.messageRateInRoom(req.roomId, req.from) : keys.messageRate(req.from);
    const roomKeys = [
      keys.room(req.roomId), rateKey, req.checkMember ? keys.roomMembers(req.roomId) : keys.room(req.roomId),
      // One's own message is read: the sender's read marker moves with it (issue 9).
      keys.roomReads(req.roomId),
    ];
    if (req.clientId) roomKeys.push(keys.messageByClientId(req.roomId, req.from, req.clientId));
    if (req.attachments?.length) {
      if (!req.clientId) throw new Error("a message with attachments needs a clientId");
      for (const id of req.attachments) roomKeys.push(keys.attachment(req.roomId, id));
    }
    const args = [
      req.from, req.text, req.roomId, req.serverId, req.rateLimit, req.rateWindowMs, CLIENT_ID_TTL_SECONDS,
      req.showRoom ? JSON.stringify(req.showRoom) : "",
      extraFields(req),
      // A member no sorted set holds (ours and the seed's start with "{"): the script answers 'noreply' after its resend check.
      req.replyTo?.member ?? (req.replyToGone ? "\u0000gone" : ""),
      req.checkMember ? "1" : "0",
      this.search ? termsFor(this.search, { message: req.text, attachments: req.attachments, from: req.from }) : "",
      keys.searchPrefix(req.roomId),
      req.replyTo?.message.id ?? "", keys.roomReplies(req.roomId),
      ...busArgs(this.bus, req.roomId),
    ];
    const reply = (this.durable ? await this.storeDurably(req, roomKeys, args) : await STORE_MESSAGE.run(this.redis, roomKeys, args)) as [string, string, string?];
    const [status, payload, first] = reply;
    if (status === "not-member") return { status: "not-member" };
    if (status === "rate") return { status: "rate-limited", retryAfterMs: Math.max(0, Number(payload)) };
    if (status === "noreply") return { status: "reply-not-found" };
    if (status === "noattachment") return { status: "attachment-unavailable" };
    const message = ChatMessage.parse(JSON.parse(payload));
    if (status === "duplicate") return { status: "duplicate", message };
    return { status: "stored", message, firstInRoom: first === "1" };
  }

  /**
   * The store script on the dedicated connection to the room's master, then WAIT for a replica on
   * it. A resend (`duplicate`) found the message stored, maybe by another connection whose WAIT
   * failed: it refreshes the clientId marker's expiry first, a write on this connection that the
   * replication stream carries after the original store, so a replica that has it has the message.
   */
  private async storeDurably(req: StoreRequest, roomKeys: string[], args: (string | number)[]): Promise<unknown> {
    const { client, result } = await this.durable!.write(roomKeys[0]!, (connection) => STORE_MESSAGE.run(connection, roomKeys, args));
    const status = (result as [string])[0];
    if (status === "duplicate") await client.pExpire(keys.messageByClientId(req.roomId, req.from, req.clientId!), CLIENT_ID_TTL_SECONDS * 1000);
    if (status === "stored" || status === "duplicate") await this.durable!.replicated(client);
    return result;
  }

  /** A page of history with each message's reactions and link previews (two HMGETs, sent together), newest first, as the seed's `ZREVRANGE room:{id} offset offset+size-1`. */
  async page(roomId: string, offset: number, size: number): Promise<Message[]> {
    const entries = await this.redis.zRangeWithScores(keys.room(roomId), offset, offset + size - 1, { REV: true });
    return attachExtras(this.redis, roomId, parseEntries(entries, roomId));
  }

  /**
   * The page of `size` messages centred on message `id` (a permalink), newest first like page(),
   * with the history offset of its newest message; undefined when the room has no such message.
   * Positions come from ZRANK of the exact member, so messages sharing a score (seed servers'
   * whole seconds) keep the order offset pages give them.
   */
  async around(roomId: string, id: string, size: number): Promise<Message[] | undefined> {
    const found = await this.find(roomId, id);
    if (!found) return undefined;
    const key = keys.room(roomId);
    const [rank, total] = await Promise.all([this.redis.zRank(key, found.member), this.redis.zCard(key)]);
    if (rank === null) return undefined;
    // Centred, or filled from the other side at either end of history.
    const start = Math.max(0, Math.min(rank - Math.floor((size - 1) / 2), total - size));
    const entries = await this.redis.zRangeWithScores(key, start, start + size - 1);
    return attachExtras(this.redis, roomId, parseEntries(entries.reverse(), roomId));
  }

  /** The message `id` of the room with its exact stored member, or undefined (see messages/lookup.ts). */
  find(roomId: string, id: string): Promise<FoundMessage | undefined> {
    return findMessage(this.redis, roomId, id);
  }

  /**
   * Up to `size` messages strictly after the message `afterId` in id order (see compareMessageIds),
   * oldest first, preceded by the messages a seed server wrote in the cursor's second that sort
   * before the cursor. Seed servers score by whole seconds, so such a message may be stored after a
   * client received the cursor (ours of the same second, or a sibling whose disambiguator sorts
   * lower) and would otherwise never be returned: a reconnecting client gets them again instead
   * (it keeps one copy of each id, and pages on from the newest id after its cursor). Several
   * messages may share a score, so a score group is only cut once it is read whole: a page never
   * ends between siblings that sort in id order differently from Redis's member order. One round
   * trip unless many messages share one score.
   */
  async after(roomId: string, afterId: string, size: number): Promise<Message[]> {
    const key = keys.room(roomId);
    const cursorScore = scoreFromMessageId(afterId);
    // From the cursor's whole second: where seed-written messages of that second are scored.
    const min = cursorScore.slice(0, cursorScore.indexOf("."));
    const chunk = size + 8;
    const found: { message: Message; score: number }[] = [];
    const lateSiblings: Message[] = [];
    for (let offset = 0; ; ) {
      const entries = await this.redis.zRangeWithScores(key, min, "+inf", { BY: "SCORE", LIMIT: { offset, count: chunk } });
      offset += entries.length;
      for (const { value, score } of entries) {
        const message = parseStoredMessage(value, score, roomId);
        if (!message) continue;
        if (compareMessageIds(message.id, afterId) > 0) found.push({ message, score });
        else if (message.id !== afterId && isSeedWrittenId(message.id)) lateSiblings.push(message);
      }
      if (entries.length < chunk) break;
      if (found.length >= size) {
        found.sort((a, b) => compareMessageIds(a.message.id, b.message.id));
        // Complete once Redis has moved past the score of the last message this page keeps.
        if (entries[entries.length - 1]!.score > found[size - 1]!.score) break;
      }
    }
    found.sort((a, b) => compareMessageIds(a.message.id, b.message.id));
    lateSiblings.sort((a, b) => compareMessageIds(a.id, b.id));
    return attachExtras(this.redis, roomId, [...lateSiblings, ...found.slice(0, size).map((f) => f.message)]);
  }
}

/** Ids of messages a seed server stored carry a disambiguator (see messageIdForSeedMember). */
function isSeedWrittenId(id: string): boolean {
  return id.includes("-");
}

/**
 * Reactions and link previews, kept beside the messages, added to a page (two HMGETs), and the
 * quotes of its replies taken from their originals as they are now (messages/replies.ts: one script
 * when the page has replies), all sent together.
 */
export async function attachExtras(redis: Redis, roomId: string, messages: Message[]): Promise<Message[]> {
  await Promise.all([attachReactions(redis, roomId, messages), attachPreviews(redis, roomId, messages), resolveReplies(redis, roomId, messages)]);
  return messages;
}

/** Our optional fields of a new message as JSON object members to append (`,"a":..`), or ''. */
function extraFields(req: StoreRequest): string {
  const extras: Partial<Message> = {};
  if (req.mentions?.length) extras.mentions = req.mentions;
  if (req.replyTo) {
    const original = req.replyTo.message;
    extras.replyTo = original.id;
    // Its caption and file names: never the file lines (internal addresses) stored for seed clients.
    extras.reply = replyPreviewOf(original);
  }
  const json = JSON.stringify(extras);
  return json === "{}" ? "" : `,${json.slice(1, -1)}`;
}

/**
 * Reads a message leniently: ours carry every field; messages written by a server that follows the
 * seed lack `id` and may carry `from` and `date` as strings (and `roomId` as a number). A missing (or foreign-format) id is
 * derived from the score (or the date) and `member`, the message's JSON text exactly as stored or
 * published (see messageIdForSeedMember); without it, from a canonical re-serialisation.
 */
export function normalizeMessage(raw: unknown, score?: number, roomId?: string, member?: string): Message | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const date = typeof r.date === "string" ? Number(r.date) : r.date ?? (score === undefined ? undefined : Math.floor(score));
  const time = score ?? (typeof date === "number" && Number.isFinite(date) ? date : undefined);
  const ownId = typeof r.id === "string" && MESSAGE_ID_PATTERN.test(r.id) ? r.id : undefined;
  const candidate = {
    id: ownId ?? (time === undefined ? undefined : messageIdForSeedMember(time, member ?? JSON.stringify(raw))),
    from: typeof r.from === "string" && /^\d+$/.test(r.from) ? Number(r.from) : r.from,
    date,
    message: r.message,
    roomId: typeof r.roomId === "string" ? r.roomId : typeof r.roomId === "number" ? String(r.roomId) : roomId,
  };
  const parsed = ChatMessage.safeParse(candidate);
  return parsed.success ? { ...parsed.data, ...messageExtras(r) } : undefined;
}

/**
 * Our extra fields (mentions, reply, edited mark, attachments), each kept only when well formed: a malformed
 * extra (written by anyone) costs that field, never the message.
 */
function messageExtras(r: Record<string, unknown>): Partial<Message> {
  const out: Partial<Message> = {};
  if (r.mentions !== undefined) {
    const mentions = ChatMessage.shape.mentions.safeParse(r.mentions);
    if (mentions.success && mentions.data?.length) out.mentions = mentions.data;
  }
  if (typeof r.replyTo === "string") {
    out.replyTo = r.replyTo;
    const reply = ChatMessage.shape.reply.safeParse(r.reply);
    if (reply.success && reply.data) out.reply = reply.data;
  }
  if (typeof r.edited === "number" && Number.isFinite(r.edited)) out.edited = r.edited;
  if (r.attachments !== undefined) {
    const attachments = ChatMessage.shape.attachments.safeParse(r.attachments);
    if (attachments.success && attachments.data?.length) out.attachments = attachments.data;
  }
  return out;
}

export function parseStoredMessage(json: string, score: number, roomId: string): Message | undefined {
  try {
    return normalizeMessage(JSON.parse(json), score, roomId, json);
  } catch {
    return undefined;
  }
}

export function parseEntries(entries: { value: string; score: number }[], roomId: string): Message[] {
  const out: Message[] = [];
  for (const { value, score } of entries) {
    const message = parseStoredMessage(value, score, roomId);
    if (message) out.push(message);
  }
  return out;
}
