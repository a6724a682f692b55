import { ChangesPage, RoomChange } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";
import { BUS_PUBLISH_LUA } from "../../redis/bus.js";

/**
 * The room's change log: a Redis stream `{room:ID}:changes` (in the room's hash slot) with one
 * entry per edit, deletion or reaction change, field `c` = the change's JSON without its `seq`
 * (the entry id is the seq). Capped at about CHANGE_LOG_LENGTH entries per room (`MAXLEN ~`);
 * Redis counts the entries ever added and keeps the oldest kept id, which tells a reader whose
 * cursor is older than what is kept that it missed changes (see readChanges).
 */
export const CHANGE_LOG_LENGTH = 1000;

/**
 * Lua: `record(changes_key, event_type, body, server_id)` appends a change (JSON object text
 * `{"type":...}` without seq) to the log and publishes it (as PUBSUB_MODE says: the script's ARGV
 * ends with busArgs) as `{serverId, type, data}`,
 * data = the change with its `seq`; returns that data text. Scripts that change a message end with it,
 * so the change, its log entry and its publication are one atomic round trip.
 */
export const RECORD_CHANGE_LUA = `${BUS_PUBLISH_LUA}
local function record(changes, event_type, body, server_id)
  local seq = redis.call('XADD', changes, 'MAXLEN', '~', ${CHANGE_LOG_LENGTH}, '*', 'c', body)
  local data = '{"seq":"' .. seq .. '",' .. string.sub(body, 2)
  bus_publish('{"serverId":' .. cjson.encode(server_id) .. ',"type":' .. cjson.encode(event_type) .. ',"data":' .. data .. '}', false)
  return data
end
`;

/**
 * KEYS: changes stream. ARGV: start ('' = only report the cursor), count.
 * Returns {last-generated-id, oldest kept id, entries added ever, length, entries...}; each entry is
 * {id, fields}. (`entries-added` and `recorded-first-entry-id` exist from Redis 7.0; before, -1.)
 */
const READ_CHANGES = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'0-0', '0-0', 0, 0, {}} end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local last, first, added, length = '0-0', '0-0', -1, 0
for i = 1, #info, 2 do
  local k = info[i]
  if k == 'last-generated-id' then last = info[i + 1]
  elseif k == 'recorded-first-entry-id' then first = info[i + 1]
  elseif k == 'entries-added' then added = info[i + 1]
  elseif k == 'length' then length = info[i + 1] end
end
if ARGV[1] == '' then return {last, first, added, length, {}} end
return {last, first, added, length, redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])}
`);

/** Orders stream ids `ms-n` (n optional, as 0). */
export function compareSeq(a: string, b: string): number {
  const [am, an = "0"] = a.split("-");
  const [bm, bn = "0"] = b.split("-");
  const d = BigInt(am!) - BigInt(bm!) || BigInt(an) - BigInt(bn);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/**
 * The room's changes strictly after `since` (a seq `ms-n`; a plain time `ms` means from that
 * millisecond on), oldest first, at most `size`. Without `since`, only the current cursor. Entries
 * that do not parse (written by a newer version, say) are skipped but still advance the cursor.
 */
export async function readChanges(redis: Redis, roomId: string, since: string | undefined, size: number): Promise<ChangesPage> {
  const start = since === undefined ? "" : since.includes("-") ? `(${since}` : `${since}-0`;
  const [last, first, added, length, entries] = (await READ_CHANGES.run(redis, [keys.roomChanges(roomId)], [start, size + 1])) as [
    string,
    string,
    number,
    number,
    [string, string[]][],
  ];
  if (since === undefined) return { changes: [], cursor: last, more: false, complete: true };
  // Entries are only ever trimmed from the old end (never XDEL'd), so when some were trimmed and the
  // oldest kept one is newer than the cursor, changes after the cursor may be gone. (Conservative:
  // it may also say so when exactly the cursor's own entry was the last one trimmed.) Redis before
  // 7.0 does not count added entries: there a full log counts as trimmed.
  const trimmed = added >= 0 ? added > length : length >= CHANGE_LOG_LENGTH;
  const sinceSeq = since.includes("-") ? since : `${since}-0`;
  const complete = !trimmed || compareSeq(first, sinceSeq) <= 0;
  const more = entries.length > size;
  const page = entries.slice(0, size);
  const changes: RoomChange[] = [];
  for (const [seq, fields] of page) {
    const body = fields[fields.indexOf("c") + 1];
    if (body === undefined) continue;
    try {
      const parsed = RoomChange.safeParse({ ...JSON.parse(body), seq });
      if (parsed.success) changes.push(parsed.data);
    } catch {
      // a malformed entry is skipped; the cursor still moves past it
    }
  }
  const cursor = page.length > 0 ? page[page.length - 1]![0] : since;
  return { changes, cursor, more, complete };
}
