import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";
import type { IdWindow, RoomCandidates, SearchIndex, StoredEntry } from "./index.js";
import type { TermSpec } from "./query.js";
import { indexTerms } from "./text.js";

/**
 * The index writes, as a Lua function the message scripts include (store, edit, delete: one round
 * trip, one slot). `search_index(prefix, id, removed, added)`: `prefix` is keys.searchPrefix(room),
 * `removed` / `added` the terms joined by newlines ('' for none). A word's postings are a sorted
 * set of message ids, all scored 0: ids of one length sort by time, so BYLEX reads them newest
 * first, and small sets stay in Redis's compact listpack encoding. Pseudo-terms (`~has:link`) are
 * not words: they stay out of the prefix dictionary.
 */
export const SEARCH_INDEX_LUA = `
local function search_index(prefix, id, removed, added)
  for term in string.gmatch(removed, '[^\\n]+') do
    local key = prefix .. 't:' .. term
    if redis.call('ZREM', key, id) == 1 and string.byte(term) ~= 126 and redis.call('EXISTS', key) == 0 then
      local bucket = string.sub(term, 1, 2)
      redis.call('ZREM', prefix .. 'd:' .. bucket, term)
      if redis.call('EXISTS', prefix .. 'd:' .. bucket) == 0 then redis.call('SREM', prefix .. 'b', bucket) end
    end
  end
  for term in string.gmatch(added, '[^\\n]+') do
    if redis.call('ZADD', prefix .. 't:' .. term, 0, id) == 1 and string.byte(term) ~= 126 then
      local bucket = string.sub(term, 1, 2)
      redis.call('ZADD', prefix .. 'd:' .. bucket, 0, term)
      redis.call('SADD', prefix .. 'b', bucket)
    end
  end
end
`;

/** How many words a prefix expands to in one room (the first ones in byte order). */
export const PREFIX_EXPANSION = 64;

/**
 * One room's candidates for a query. KEYS: the room's history. ARGV: search prefix, upper bound,
 * lower bound (BYLEX syntax), want, scan cap, then one argument per term: `=word` or `*prefix`.
 * The term with the fewest postings drives: its ids are read newest first (prefix terms merge the
 * words they expand to), each kept when every other term has it (ZSCORE). Stops after `want`
 * matches or `scan cap` ids read. Returns {exhausted 0/1, oldest id read or '', id, entries JSON, ...}
 * where entries are the room's members at that id's score (WITHSCORES), to read the message from.
 */
const CANDIDATES = new LuaScript(`
local room, prefix, upper, lower = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local want, cap = tonumber(ARGV[4]), tonumber(ARGV[5])
local groups = {}
for i = 6, #ARGV do
  local kind, term = string.sub(ARGV[i], 1, 1), string.sub(ARGV[i], 2)
  local group = { keys = {}, size = 0 }
  if kind == '*' then
    local bucket = string.sub(term, 1, 2)
    for _, word in ipairs(redis.call('ZRANGE', prefix .. 'd:' .. bucket, '[' .. term, '[' .. term .. '\\255', 'BYLEX', 'LIMIT', 0, ${PREFIX_EXPANSION})) do
      table.insert(group.keys, prefix .. 't:' .. word)
    end
  else
    group.keys[1] = prefix .. 't:' .. term
  end
  for _, key in ipairs(group.keys) do group.size = group.size + redis.call('ZCARD', key) end
  if group.size == 0 then return {1, ''} end
  table.insert(groups, group)
end
if #groups == 0 then return {1, ''} end
table.sort(groups, function(a, b) return a.size < b.size end)
local driver = table.remove(groups, 1)
local out, matches, read, last = {0, ''}, 0, 0, nil
local batch = math.min(cap, 200)
while true do
  local merged, seen, full = {}, {}, false
  for _, key in ipairs(driver.keys) do
    local ids = redis.call('ZRANGE', key, upper, lower, 'BYLEX', 'REV', 'LIMIT', 0, batch)
    if #ids == batch then full = true end
    for _, id in ipairs(ids) do
      if not seen[id] then seen[id] = true; table.insert(merged, id) end
    end
  end
  table.sort(merged, function(a, b) return a > b end)
  -- With a full batch from some word, only the newest batch of the union is known complete.
  local n = full and math.min(#merged, batch) or #merged
  for i = 1, n do
    local id = merged[i]
    last = id
    read = read + 1
    local ok = true
    for _, group in ipairs(groups) do
      local found = false
      for _, key in ipairs(group.keys) do
        if redis.call('ZSCORE', key, id) then found = true; break end
      end
      if not found then ok = false; break end
    end
    if ok then
      local dash = string.find(id, '-', 1, true)
      local digits = dash and string.sub(id, 1, dash - 1) or id
      local sec, usec = string.sub(digits, 1, -7), string.sub(digits, -6)
      if sec == '' then sec = '0' end
      local entries
      if dash then
        entries = redis.call('ZRANGE', room, sec, '(' .. tostring(tonumber(sec) + 1), 'BYSCORE', 'WITHSCORES')
      else
        entries = redis.call('ZRANGE', room, sec .. '.' .. usec, sec .. '.' .. usec, 'BYSCORE', 'WITHSCORES')
      end
      table.insert(out, id)
      table.insert(out, cjson.encode(entries))
      matches = matches + 1
    end
    if matches >= want or read >= cap then
      out[2] = last
      if i == n and not full then out[1] = 1 end
      return out
    end
  end
  if not full then
    out[1] = 1
    out[2] = last or ''
    return out
  end
  upper = '(' .. last
end
`);

/**
 * Indexes stored messages if they are still in the room exactly as read (a concurrent edit or
 * deletion wins). KEYS: the room's history. ARGV: search prefix, then (member, id, terms) triples.
 */
const INDEX_STORED = new LuaScript(`${SEARCH_INDEX_LUA}
local indexed = 0
for i = 2, #ARGV, 3 do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    search_index(ARGV[1], ARGV[i + 1], '', ARGV[i + 2])
    indexed = indexed + 1
  end
end
return indexed
`);

/**
 * Drops up to ARGV[2] words of a deleted room's index (their postings and dictionary entries).
 * KEYS: the room's history (for the slot). ARGV: search prefix, batch. Returns 1 when nothing is left.
 */
const DROP = new LuaScript(`
local prefix, budget = ARGV[1], tonumber(ARGV[2])
for _, bucket in ipairs(redis.call('SMEMBERS', prefix .. 'b')) do
  local dict = prefix .. 'd:' .. bucket
  local words = redis.call('ZRANGE', dict, 0, budget - 1)
  for _, word in ipairs(words) do redis.call('UNLINK', prefix .. 't:' .. word) end
  if #words > 0 then redis.call('ZREM', dict, unpack(words)) end
  budget = budget - #words
  if redis.call('EXISTS', dict) == 0 then redis.call('SREM', prefix .. 'b', bucket) end
  if budget <= 0 then return 0 end
end
redis.call('UNLINK', prefix .. 't:~has:link', prefix .. 't:~has:file')
return 1
`);

/** The Redis 7 index: sorted sets per room and word, in the room's slot (see SEARCH_INDEX_LUA). */
export class Redis7SearchIndex implements SearchIndex {
  constructor(private readonly redis: Redis, readonly enabled: boolean) {}

  termsArg(terms: readonly string[]): string {
    return terms.join("\n");
  }

  async candidates(roomId: string, terms: TermSpec[], window: IdWindow, want: number, scanCap: number): Promise<RoomCandidates> {
    const reply = (await CANDIDATES.run(this.redis, [keys.room(roomId)], [
      keys.searchPrefix(roomId), window.upper, window.lower, want, scanCap,
      ...terms.map((t) => `${t.prefix ? "*" : "="}${t.term}`),
    ])) as string[] | number[];
    const [exhausted, scannedTo, ...rest] = reply as [number, string, ...string[]];
    const candidates: RoomCandidates["candidates"] = [];
    for (let i = 0; i + 1 < rest.length; i += 2) {
      const flat = JSON.parse(rest[i + 1]!) as string[];
      const entries: { value: string; score: number }[] = [];
      for (let k = 0; k + 1 < flat.length; k += 2) entries.push({ value: flat[k]!, score: Number(flat[k + 1]) });
      candidates.push({ id: rest[i]!, entries });
    }
    return { candidates, exhausted: Number(exhausted) === 1, ...(scannedTo ? { scannedTo } : {}) };
  }

  async indexStored(roomId: string, entries: StoredEntry[]): Promise<number> {
    if (!this.enabled || entries.length === 0) return 0;
    const args: string[] = [keys.searchPrefix(roomId)];
    for (const entry of entries) args.push(entry.member, entry.id, this.termsArg(indexTerms(entry.message)));
    return Number(await INDEX_STORED.run(this.redis, [keys.room(roomId)], args));
  }

  async dropRoom(roomId: string): Promise<void> {
    // In batches, so that a big room's index never blocks Redis for long.
    while (Number(await DROP.run(this.redis, [keys.room(roomId)], [keys.searchPrefix(roomId), 500])) !== 1);
  }
}
