import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";
import type { IdWindow, RoomCandidates, SearchIndex, StoredEntry } from "./index.js";
import type { TermSpec } from "./query.js";
import { indexTerms } from "./text.js";

/**
 * The index writes, as Lua the message scripts include (store, edit, delete: one round trip, one
 * slot). `search_index(prefix, id, removed, added)`: `prefix` is keys.searchPrefix(room),
 * `removed` / `added` the terms joined by newlines ('' for none).
 *
 * A word's postings in a room are one string: the ids (microseconds) of the messages with it, 8
 * bytes each, big-endian, ascending. 8 bytes a posting and one key per word and room is what keeps
 * the index near 100-400 bytes a message (a sorted set entry costs ~80 bytes once past 128); new
 * messages are the newest, so indexing one is an APPEND; an edit or deletion rewrites the word's
 * string. Messages a seed server stored share their second's posting (their ids are that second
 * plus a hash): such postings are not removed (another message of that second may have the word);
 * the text check drops what no longer matches. Pseudo-terms (`~has:link`) stay out of the prefix
 * dictionary.
 */
export const SEARCH_INDEX_LUA = `
local function search_micros(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(dash and string.sub(id, 1, dash - 1) or id), dash ~= nil
end
-- The index (0-based) of the first posting >= n in the packed string s.
local function search_find(s, n)
  local lo, hi = 0, #s / 8
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if struct.unpack('>I8', s, mid * 8 + 1) < n then lo = mid + 1 else hi = mid end
  end
  return lo
end
local function search_index(prefix, id, removed, added)
  local n, shared = search_micros(id)
  local packed = struct.pack('>I8', n)
  if not shared then
    for term in string.gmatch(removed, '[^\\n]+') do
      local key = prefix .. 't:' .. term
      local s = redis.call('GET', key)
      if s then
        local i = search_find(s, n)
        if i < #s / 8 and struct.unpack('>I8', s, i * 8 + 1) == n then
          if #s == 8 then
            redis.call('DEL', key)
            if string.byte(term) ~= 126 then
              local bucket = string.sub(term, 1, 2)
              redis.call('ZREM', prefix .. 'd:' .. bucket, term)
              if redis.call('EXISTS', prefix .. 'd:' .. bucket) == 0 then redis.call('SREM', prefix .. 'b', bucket) end
            end
          else
            redis.call('SET', key, string.sub(s, 1, i * 8) .. string.sub(s, i * 8 + 9))
          end
        end
      end
    end
  end
  for term in string.gmatch(added, '[^\\n]+') do
    local key = prefix .. 't:' .. term
    local len = redis.call('STRLEN', key)
    if len == 0 then
      redis.call('SET', key, packed)
      if string.byte(term) ~= 126 then
        local bucket = string.sub(term, 1, 2)
        redis.call('ZADD', prefix .. 'd:' .. bucket, 0, term)
        redis.call('SADD', prefix .. 'b', bucket)
      end
    else
      local last = struct.unpack('>I8', redis.call('GETRANGE', key, len - 8, len - 1))
      if n > last then
        redis.call('APPEND', key, packed)
      elseif n < last then
        local s = redis.call('GET', key)
        local i = search_find(s, n)
        if struct.unpack('>I8', s, i * 8 + 1) ~= n then
          redis.call('SET', key, string.sub(s, 1, i * 8) .. packed .. string.sub(s, i * 8 + 1))
        end
      end
    end
  end
end
`;

/** How many words a prefix expands to in one room (the first ones in byte order). */
export const PREFIX_EXPANSION = 64;

/**
 * One room's candidates for a query. KEYS: the room's history. ARGV: search prefix, upper bound
 * (`[micros`, `(micros` or `+`), lower bound (`[micros` or `-`), want, scan cap, phrase patterns
 * (Lua patterns joined by newlines, '' for none: see phrasePattern), then one argument per term:
 * `=word` or `*prefix`. A candidate whose stored JSON is all ASCII must match every phrase pattern
 * (lower-cased, its `\n` `\t` `\r` escapes read as spaces), so phrases of common words are
 * mostly decided here rather than sent to Node; other candidates go to Node's check as they are. The term with the fewest postings drives: its ids are read newest
 * first (a prefix term merges the words it expands to), each kept when every other term has it
 * (binary search in their strings). Stops after `want` matches or `scan cap` ids read. Returns
 * {exhausted 0/1, oldest micros read or '', micros, entries JSON, ...}, entries being the room's
 * members at that score (WITHSCORES): the messages to check (several for a seed server's second).
 */
const CANDIDATES_LUA = `${SEARCH_INDEX_LUA}
-- A filter-only query (no term: from:, in:, dates): the room's history itself, newest first, in
-- the same answer shape. Reads at most min(want, cap) entries, plus the rest of the oldest one's
-- score (a seed server's second holds several), so the next read's exclusive bound skips nothing.
local function search_score(micros)
  local s = string.format('%.0f', micros)
  if #s <= 6 then s = string.rep('0', 7 - #s) .. s end
  return string.sub(s, 1, -7) .. '.' .. string.sub(s, -6)
end
local function room_recent(room, upper, lower, want, cap, phrases_allow)
  local max = upper == math.huge and '+inf' or search_score(upper)
  local min = lower < 0 and '-inf' or search_score(lower)
  local limit = math.min(want, cap)
  local entries = redis.call('ZRANGE', room, max, min, 'BYSCORE', 'REV', 'LIMIT', 0, limit, 'WITHSCORES')
  local full = #entries == limit * 2
  if full and #entries > 0 then
    local last = entries[#entries]
    local rest = redis.call('ZRANGE', room, last, last, 'BYSCORE', 'WITHSCORES')
    local seen = {}
    for e = 1, #entries, 2 do seen[entries[e]] = true end
    for e = 1, #rest, 2 do
      if not seen[rest[e]] then
        table.insert(entries, rest[e])
        table.insert(entries, rest[e + 1])
      end
    end
  end
  local out = {full and 0 or 1, ''}
  local micros_at, kept = nil, {}
  local function flush()
    if micros_at and #kept > 0 then
      table.insert(out, micros_at)
      table.insert(out, cjson.encode(kept))
    end
    kept = {}
  end
  for e = 1, #entries, 2 do
    local member, score = entries[e], entries[e + 1]
    -- Our ids are the exact micros; a seed member's score is whole seconds (exact as a double).
    local micros = string.match(member, '^{"id":"(%d+)"') or string.format('%.0f', tonumber(score) * 1e6)
    if micros ~= micros_at then flush(); micros_at = micros end
    if phrases_allow(member) then
      table.insert(kept, member)
      table.insert(kept, score)
    end
    out[2] = micros
  end
  flush()
  return out
end
local function room_candidates(room, prefix, upper_arg, lower_arg, want, cap, patterns_arg, terms)
local upper, lower = math.huge, -1
if upper_arg ~= '+' then
  upper = tonumber(string.sub(upper_arg, 2))
  if string.sub(upper_arg, 1, 1) == '(' then upper = upper - 1 end
end
if lower_arg ~= '-' then lower = tonumber(string.sub(lower_arg, 2)) end
local groups = {}
local patterns = {}
for p in string.gmatch(patterns_arg, '[^\\n]+') do table.insert(patterns, p) end
local function phrases_allow(member)
  if #patterns == 0 or string.find(member, '[\\128-\\255]') then return true end
  local text = string.gsub(string.lower(member), '\\\\[ntr]', ' ')
  for _, p in ipairs(patterns) do
    if not string.find(text, p) then return false end
  end
  return true
end
for _, spec in ipairs(terms) do
  local kind, term = string.sub(spec, 1, 1), string.sub(spec, 2)
  local words = { term }
  if kind == '*' then
    words = redis.call('ZRANGE', prefix .. 'd:' .. string.sub(term, 1, 2), '[' .. term, '[' .. term .. '\\255', 'BYLEX', 'LIMIT', 0, ${PREFIX_EXPANSION})
  end
  local group = { lists = {}, size = 0 }
  for _, word in ipairs(words) do
    local s = redis.call('GET', prefix .. 't:' .. word)
    if s then
      table.insert(group.lists, s)
      group.size = group.size + #s / 8
    end
  end
  if group.size == 0 then return {1, ''} end
  table.insert(groups, group)
end
if #groups == 0 then return room_recent(room, upper, lower, want, cap, phrases_allow) end
table.sort(groups, function(a, b) return a.size < b.size end)
local driver = table.remove(groups, 1)
-- Newest first over the driver's lists: a cursor (next index to read, going down) per list.
local at = {}
for k, s in ipairs(driver.lists) do at[k] = search_find(s, upper + 1) - 1 end
local function has(s, n)
  local i = search_find(s, n)
  return i < #s / 8 and struct.unpack('>I8', s, i * 8 + 1) == n
end
local out, matches, read = {0, ''}, 0, 0
while true do
  local best, from = nil, nil
  for k, s in ipairs(driver.lists) do
    if at[k] >= 0 then
      local v = struct.unpack('>I8', s, at[k] * 8 + 1)
      if not best or v > best then best, from = v, k end
    end
  end
  if not best or best < lower then
    out[1] = 1
    return out
  end
  for k, s in ipairs(driver.lists) do
    if at[k] >= 0 and struct.unpack('>I8', s, at[k] * 8 + 1) == best then at[k] = at[k] - 1 end
  end
  read = read + 1
  local micros = string.format('%.0f', best)
  out[2] = micros
  local ok = true
  for _, group in ipairs(groups) do
    local found = false
    for _, s in ipairs(group.lists) do
      if has(s, best) then found = true; break end
    end
    if not found then ok = false; break end
  end
  if ok then
    local score = string.sub(micros, 1, -7) .. '.' .. string.sub(micros, -6)
    local entries, kept = redis.call('ZRANGE', room, score, score, 'BYSCORE', 'WITHSCORES'), {}
    for e = 1, #entries, 2 do
      if phrases_allow(entries[e]) then
        table.insert(kept, entries[e])
        table.insert(kept, entries[e + 1])
      end
    end
    if #kept > 0 then
      table.insert(out, micros)
      table.insert(out, cjson.encode(kept))
      matches = matches + 1
    end
  end
  if matches >= want or read >= cap then return out end
end
end
`;

const CANDIDATES = new LuaScript(`${CANDIDATES_LUA}
local terms = {}
for i = 7, #ARGV do terms[#terms + 1] = ARGV[i] end
return room_candidates(KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], terms)
`);

/**
 * CANDIDATES for several rooms in one call (one Redis, not Cluster: the rooms' keys are in
 * different slots). KEYS: the rooms' histories. ARGV: want, scan cap, phrase patterns, lower
 * bound, the number of terms, the terms, then per room its search prefix and upper bound.
 * Returns one CANDIDATES answer per room, in order.
 */
const CANDIDATES_MANY = new LuaScript(`${CANDIDATES_LUA}
local want, cap, patterns, lower, nterms = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5])
local terms = {}
for i = 6, 5 + nterms do terms[#terms + 1] = ARGV[i] end
local out = {}
for k = 1, #KEYS do
  local at = 5 + nterms + (k - 1) * 2
  out[k] = room_candidates(KEYS[k], ARGV[at + 1], ARGV[at + 2], lower, want, cap, patterns, terms)
end
return out
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

/**
 * A Lua pattern that a phrase's words, all `[a-z0-9]`, match in lower-cased ASCII text: the words
 * in order with only non-alphanumerics between them, as word segmentation sees adjacent words;
 * undefined for a phrase with other characters (left to Node's check).
 */
export function phrasePattern(words: readonly string[]): string | undefined {
  if (!words.every((w) => /^[a-z0-9]+$/.test(w))) return undefined;
  return `%f[%w]${words.join("[^%w]+")}%f[^%w]`;
}

/** The Redis 7 index: sorted sets per room and word, in the room's slot (see SEARCH_INDEX_LUA). */
export class Redis7SearchIndex implements SearchIndex {
  constructor(private readonly redis: Redis, readonly enabled: boolean, private readonly cluster = false) {}

  termsArg(terms: readonly string[]): string {
    return terms.join("\n");
  }

  async candidates(roomId: string, terms: TermSpec[], phrases: string[][], window: IdWindow, want: number, scanCap: number): Promise<RoomCandidates> {
    const reply = await CANDIDATES.run(this.redis, [keys.room(roomId)], [
      keys.searchPrefix(roomId), window.upper, window.lower, want, scanCap, patternsArg(phrases), ...termsArgs(terms),
    ]);
    return parseCandidates(reply);
  }

  /**
   * Several rooms' candidates: on one Redis in calls of up to ROOMS_PER_CALL rooms (fewer
   * commands for Redis and Node to handle per query, each call's work still bounded); on Cluster,
   * one call per room, on its slot.
   */
  async candidatesMany(reads: { roomId: string; upper: string }[], terms: TermSpec[], phrases: string[][], lower: string, want: number, scanCap: number): Promise<RoomCandidates[]> {
    if (this.cluster) return Promise.all(reads.map((r) => this.candidates(r.roomId, terms, phrases, { upper: r.upper, lower }, want, scanCap)));
    const chunks: { roomId: string; upper: string }[][] = [];
    for (let i = 0; i < reads.length; i += ROOMS_PER_CALL) chunks.push(reads.slice(i, i + ROOMS_PER_CALL));
    const termArgs = termsArgs(terms);
    const replies = await Promise.all(chunks.map((chunk) => CANDIDATES_MANY.run(this.redis, chunk.map((r) => keys.room(r.roomId)), [
      want, scanCap, patternsArg(phrases), lower, termArgs.length, ...termArgs,
      ...chunk.flatMap((r) => [keys.searchPrefix(r.roomId), r.upper]),
    ]) as Promise<unknown[]>));
    return replies.flat().map(parseCandidates);
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

/** Rooms one CANDIDATES_MANY call reads (its time in Redis stays that of a few rooms'). */
const ROOMS_PER_CALL = 16;

function patternsArg(phrases: string[][]): string {
  return phrases.map(phrasePattern).filter((p): p is string => p !== undefined).join("\n");
}

function termsArgs(terms: TermSpec[]): string[] {
  return terms.map((t) => `${t.prefix ? "*" : "="}${t.term}`);
}

function parseCandidates(reply: unknown): RoomCandidates {
  const [exhausted, scannedTo, ...rest] = reply as [number, string, ...string[]];
  const candidates: RoomCandidates["candidates"] = [];
  for (let i = 0; i + 1 < rest.length; i += 2) {
    const flat = JSON.parse(rest[i + 1]!) as string[];
    const entries: { value: string; score: number }[] = [];
    for (let k = 0; k + 1 < flat.length; k += 2) entries.push({ value: flat[k]!, score: Number(flat[k + 1]) });
    candidates.push({ micros: rest[i]!, entries });
  }
  return { candidates, exhausted: Number(exhausted) === 1, ...(scannedTo ? { scannedTo } : {}) };
}
