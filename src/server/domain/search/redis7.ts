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
 * the text check drops what no longer matches. Pseudo-terms (`~has:link`, `~from:{id}`) stay out
 * of the prefix dictionary; the authors with postings are in the set `<prefix>a` (user ids: an
 * intset, a few bytes each), so that dropping the room finds their postings.
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
            elseif string.sub(term, 1, 6) == '~from:' then
              redis.call('SREM', prefix .. 'a', string.sub(term, 7))
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
      if string.byte(term) == 126 then
        if string.sub(term, 1, 6) == '~from:' then redis.call('SADD', prefix .. 'a', string.sub(term, 7)) end
      else
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
 * Candidates for a query, in one or several rooms of one Redis (the script reads the rooms it is
 * given; on Cluster one room a call, on its slot). Per room: its upper bound (`[micros`, `(micros`
 * or `+`); for every room: the lower bound (`[micros` or `-`), scan cap, phrases (first word,
 * space, Lua pattern, joined by newlines; '' for none: see phraseArg; and lines of text every
 * candidate's stored JSON must hold: see memberTextsOf) and the terms (`=word` or `*prefix`). A
 * candidate whose stored JSON is all ASCII must match every phrase pattern (lower-cased, its `\n`
 * `\t` `\r` escapes read as spaces), so phrases of common words are mostly decided here rather
 * than sent to Node; other candidates go to Node's check as they are.
 *
 * In each room the term with the fewest postings drives: its ids are read newest first (a prefix
 * term merges the words it expands to), each kept when every other term has it (binary search in
 * their strings); a room stops after `scan cap` ids read. The rooms are merged newest first and
 * only the newest `total` matches of them all are fetched (their entries read from the history):
 * a page needs about `total`, so 50 rooms do not each send their own page. Returns per room
 * {exhausted 0/1, scanned to, micros, entries, ...}: `scanned to` is the oldest micros looked at
 * ('' for none; a room whose next match was found but not fetched reports that match's micros + 1,
 * so the next read starts at it), entries the room's members at that score with their scores (a
 * flat array: the messages to check, several for a seed server's second).
 */
const CANDIDATES_LUA = `${SEARCH_INDEX_LUA}
local function search_score(micros)
  local s = string.format('%.0f', micros)
  if #s <= 6 then s = string.rep('0', 7 - #s) .. s end
  return string.sub(s, 1, -7) .. '.' .. string.sub(s, -6)
end
local function search_upper(arg)
  if arg == '+' then return math.huge end
  local upper = tonumber(string.sub(arg, 2))
  if string.sub(arg, 1, 1) == '(' then upper = upper - 1 end
  return upper
end
local function search_lower(arg)
  return arg == '-' and -1 or tonumber(string.sub(arg, 2))
end
-- Whether a stored member may match the phrases (see above). A phrase is its first word and its
-- pattern: the pattern is tried only where the first word occurs (found as plain text, which is
-- fast), anchored there, rather than at every position of the text. A line starting with '"' is
-- not a phrase but text every member must hold (see memberTextsOf).
local function phrase_filter(patterns_arg)
  local phrases, holds = {}, {}
  for line in string.gmatch(patterns_arg, '[^\\n]+') do
    if string.byte(line) == 34 then
      holds[#holds + 1] = line
    else
      local first, pattern = string.match(line, '^(%S+) (.+)$')
      phrases[#phrases + 1] = { first = first, anchored = '^' .. pattern }
    end
  end
  if #phrases == 0 and #holds == 0 then return function() return true end end
  return function(member)
    for _, text in ipairs(holds) do
      if not string.find(member, text, 1, true) then return false end
    end
    if #phrases == 0 or string.find(member, '[\\128-\\255]') then return true end
    local text = string.lower(member)
    if string.find(text, '\\\\', 1, true) then text = string.gsub(text, '\\\\[ntr]', ' ') end
    for _, phrase in ipairs(phrases) do
      local at, found = 1, false
      while true do
        local i = string.find(text, phrase.first, at, true)
        if not i then break end
        if string.find(text, phrase.anchored, i) then found = true; break end
        at = i + 1
      end
      if not found then return false end
    end
    return true
  end
end
-- A filter-only query (no term: from:, in:, dates): the room's history itself, newest first, in
-- the same answer shape. Reads at most min(want, cap) entries, plus the rest of the oldest one's
-- score (a seed server's second holds several), so the next read's exclusive bound skips nothing.
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
        entries[#entries + 1] = rest[e]
        entries[#entries + 1] = rest[e + 1]
      end
    end
  end
  local out = {full and 0 or 1, ''}
  local micros_at, kept = nil, {}
  local function flush()
    if micros_at and #kept > 0 then
      out[#out + 1] = micros_at
      out[#out + 1] = kept
    end
    kept = {}
  end
  for e = 1, #entries, 2 do
    local member, score = entries[e], entries[e + 1]
    -- Our ids are the exact micros; a seed member's score is whole seconds (exact as a double).
    local micros = string.match(member, '^{"id":"(%d+)"') or string.format('%.0f', tonumber(score) * 1e6)
    if micros ~= micros_at then flush(); micros_at = micros end
    if phrases_allow(member) then
      kept[#kept + 1] = member
      kept[#kept + 1] = score
    end
    out[2] = micros
  end
  flush()
  return out
end
local function search_has(s, n)
  local i = search_find(s, n)
  return i < #s / 8 and struct.unpack('>I8', s, i * 8 + 1) == n
end
-- One room's read: its terms' postings, the driver's cursors (next index to read, going down, per
-- word). nil when a term has no posting in the room (nothing can match).
local function room_open(room, prefix, upper, lower, cap, terms)
  local groups = {}
  for _, spec in ipairs(terms) do
    local kind, term = string.sub(spec, 1, 1), string.sub(spec, 2)
    local words = { term }
    if kind == '*' then
      words = redis.call('ZRANGE', prefix .. 'd:' .. string.sub(term, 1, 2), '[' .. term, '[' .. term .. '\\255', 'BYLEX', 'LIMIT', 0, ${PREFIX_EXPANSION})
    elseif kind == '|' then
      -- Any of several exact terms (from: several people): their postings merge as a prefix's do.
      words = {}
      for w in string.gmatch(term, '[^ ]+') do words[#words + 1] = w end
    end
    local lists, size = {}, 0
    if #words > 0 then
      -- One MGET for the words a prefix expands to (a command each cost more than the bytes).
      local names = {}
      for w = 1, #words do names[w] = prefix .. 't:' .. words[w] end
      for _, s in ipairs(redis.call('MGET', unpack(names))) do
        if s then
          lists[#lists + 1] = s
          size = size + #s
        end
      end
    end
    if size == 0 then return nil end
    groups[#groups + 1] = { lists = lists, size = size }
  end
  table.sort(groups, function(a, b) return a.size < b.size end)
  local driver = table.remove(groups, 1)
  -- Per word: the index of its next posting to read (going down from the newest at or below
  -- upper: the string's end on a first page) and that posting (-1 when none is left).
  local at, heads = {}, {}
  for k, s in ipairs(driver.lists) do
    local i = (upper == math.huge and #s / 8 or search_find(s, upper + 1)) - 1
    at[k] = i
    heads[k] = i >= 0 and struct.unpack('>I8', s, i * 8 + 1) or -1
  end
  return { room = room, lists = driver.lists, at = at, heads = heads, others = groups, lower = lower, cap = cap, read = 0, scanned = nil, exhausted = false }
end
-- The room's next match (micros), newest first; nil when the room has no more (exhausted) or has
-- read its scan cap.
local function room_next(st)
  local lists, at, heads, others = st.lists, st.at, st.heads, st.others
  while st.read < st.cap do
    local best = -1
    for k = 1, #heads do
      if heads[k] > best then best = heads[k] end
    end
    if best < 0 or best < st.lower then
      st.exhausted = true
      return nil
    end
    -- Every word at that posting moves on (a message holds several words of a prefix).
    for k = 1, #heads do
      if heads[k] == best then
        local i = at[k] - 1
        at[k] = i
        heads[k] = i >= 0 and struct.unpack('>I8', lists[k], i * 8 + 1) or -1
      end
    end
    st.read = st.read + 1
    st.scanned = best
    local ok = true
    for g = 1, #others do
      local found = false
      for _, s in ipairs(others[g].lists) do
        if search_has(s, best) then found = true; break end
      end
      if not found then ok = false; break end
    end
    if ok then return best end
  end
  return nil
end
-- Rooms 1..n (st or nil: nothing can match there), merged newest first; fetches the newest
-- \`total\` matches. Returns one answer per room.
local function rooms_merged(rooms, n, total, phrases_allow)
  local outs, pending = {}, {}
  for r = 1, n do
    outs[r] = {0, ''}
    if rooms[r] then pending[r] = room_next(rooms[r]) end
  end
  local matches = 0
  while matches < total do
    local best, from
    for r = 1, n do
      local p = pending[r]
      if p and (not best or p > best) then best, from = p, r end
    end
    if not best then break end
    local st = rooms[from]
    local micros = string.format('%.0f', best)
    local score = string.sub(micros, 1, -7) .. '.' .. string.sub(micros, -6)
    -- Every entry there has that very score (the same decimal string parses to the same double).
    local entries, kept = redis.call('ZRANGE', st.room, score, score, 'BYSCORE'), {}
    for e = 1, #entries do
      if phrases_allow(entries[e]) then
        kept[#kept + 1] = entries[e]
        kept[#kept + 1] = score
      end
    end
    if #kept > 0 then
      local out = outs[from]
      out[#out + 1] = micros
      out[#out + 1] = kept
      matches = matches + 1
    end
    pending[from] = room_next(st)
  end
  for r = 1, n do
    local st, out = rooms[r], outs[r]
    if not st then
      out[1] = 1
    elseif pending[r] then
      out[2] = string.format('%.0f', pending[r] + 1)
    else
      if st.exhausted then out[1] = 1 end
      if st.scanned then out[2] = string.format('%.0f', st.scanned) end
    end
  end
  return outs
end
`;

/**
 * One room's candidates (see CANDIDATES_LUA). KEYS: the room's history. ARGV: search prefix, upper
 * bound, lower bound, want (matches to fetch; entries to read in a filter-only query), scan cap,
 * phrase patterns, then one argument per term (`=word`, `*prefix`, or `|term term...`: any of them).
 */
const CANDIDATES = new LuaScript(`${CANDIDATES_LUA}
local terms = {}
for i = 7, #ARGV do terms[#terms + 1] = ARGV[i] end
local upper, lower, want, cap = search_upper(ARGV[2]), search_lower(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local phrases_allow = phrase_filter(ARGV[6])
if #terms == 0 then return room_recent(KEYS[1], upper, lower, want, cap, phrases_allow) end
return rooms_merged({ room_open(KEYS[1], ARGV[1], upper, lower, cap, terms) }, 1, want, phrases_allow)[1]
`);

/**
 * Several rooms' candidates in one call (one Redis, not Cluster: the rooms' keys are in different
 * slots). KEYS: the rooms' histories. ARGV: want (per room, filter-only query), total (matches to
 * fetch across the rooms, query with terms), scan cap, phrase patterns, lower bound, the number of
 * terms, the terms, then per room its search prefix and upper bound. Returns one answer per room,
 * in order.
 */
const CANDIDATES_MANY = new LuaScript(`${CANDIDATES_LUA}
local want, total, cap, lower, nterms = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), search_lower(ARGV[5]), tonumber(ARGV[6])
local phrases_allow = phrase_filter(ARGV[4])
local terms = {}
for i = 7, 6 + nterms do terms[#terms + 1] = ARGV[i] end
local rooms = {}
for k = 1, #KEYS do
  local at = 6 + nterms + (k - 1) * 2
  local upper = search_upper(ARGV[at + 2])
  if nterms == 0 then
    rooms[k] = room_recent(KEYS[k], upper, lower, want, cap, phrases_allow)
  else
    rooms[k] = room_open(KEYS[k], ARGV[at + 1], upper, lower, cap, terms)
  end
end
if nterms == 0 then return rooms end
return rooms_merged(rooms, #KEYS, total, phrases_allow)
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
 * KEYS: the room's history (for the slot). ARGV: search prefix, batch, the room's sweep cursor.
 * Returns 1 when nothing is left.
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
local authors = redis.call('SPOP', prefix .. 'a', budget)
for _, id in ipairs(authors) do redis.call('UNLINK', prefix .. 't:~from:' .. id) end
if #authors == budget then return 0 end
redis.call('UNLINK', prefix .. 't:~has:link', prefix .. 't:~has:file', ARGV[3])
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

/** A phrase as the script reads it: its first word, a space, its pattern (see phrasePattern). */
function phraseArg(words: readonly string[]): string | undefined {
  const pattern = phrasePattern(words);
  return pattern === undefined ? undefined : `${words[0]} ${pattern}`;
}

/** The Redis 7 index: sorted sets per room and word, in the room's slot (see SEARCH_INDEX_LUA). */
export class Redis7SearchIndex implements SearchIndex {
  constructor(private readonly redis: Redis, readonly enabled: boolean, private readonly cluster = false) {}

  termsArg(terms: readonly string[]): string {
    return terms.join("\n");
  }

  async candidates(roomId: string, terms: TermSpec[], phrases: string[][], window: IdWindow, want: number, scanCap: number): Promise<RoomCandidates> {
    const reply = await CANDIDATES.run(this.redis, [keys.room(roomId)], [
      keys.searchPrefix(roomId), window.upper, window.lower, want, scanCap, patternsArg(phrases, terms), ...termsArgs(terms),
    ]);
    return parseCandidates(reply);
  }

  /**
   * Several rooms' candidates: on one Redis in calls of up to ROOMS_PER_CALL rooms (fewer
   * commands for Redis and Node to handle per query, each call's work still bounded); on Cluster,
   * one call per room, on its slot.
   */
  async candidatesMany(reads: { roomId: string; upper: string }[], terms: TermSpec[], phrases: string[][], lower: string, want: number, scanCap: number, total: number): Promise<RoomCandidates[]> {
    if (this.cluster) return Promise.all(reads.map((r) => this.candidates(r.roomId, terms, phrases, { upper: r.upper, lower }, want, scanCap)));
    const chunks: { roomId: string; upper: string }[][] = [];
    for (let i = 0; i < reads.length; i += ROOMS_PER_CALL) chunks.push(reads.slice(i, i + ROOMS_PER_CALL));
    const termArgs = termsArgs(terms);
    const replies = await Promise.all(chunks.map((chunk) => CANDIDATES_MANY.run(this.redis, chunk.map((r) => keys.room(r.roomId)), [
      want, total, scanCap, patternsArg(phrases, terms), lower, termArgs.length, ...termArgs,
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
    while (Number(await DROP.run(this.redis, [keys.room(roomId)], [keys.searchPrefix(roomId), 500, keys.searchSweepCursor(roomId)])) !== 1);
  }
}

/** Rooms one CANDIDATES_MANY call reads (its time in Redis stays that of a few rooms'). */
const ROOMS_PER_CALL = 64;

function patternsArg(phrases: string[][], terms: TermSpec[]): string {
  return [...memberTextsOf(terms), ...phrases.map(phraseArg).filter((p): p is string => p !== undefined)].join("\n");
}

/**
 * Text the stored member (its JSON) of every message a query wants holds, as the script reads it
 * (a line starting with `"`): `has:image` wants a file record whose sniffed type is an image (the
 * records are JSON.stringify's, in the member as written). It only leaves out what surely does not
 * match: Node checks the types exactly.
 */
function memberTextsOf(terms: TermSpec[]): string[] {
  return terms.some((t) => t.imagesOnly) ? ['"type":"image'] : [];
}

function termsArgs(terms: TermSpec[]): string[] {
  return terms.map((t) => (t.anyOf ? `|${t.anyOf.join(" ")}` : `${t.prefix ? "*" : "="}${t.term}`));
}

function parseCandidates(reply: unknown): RoomCandidates {
  const [exhausted, scannedTo, ...rest] = reply as [number, string, ...(string | string[])[]];
  const candidates: RoomCandidates["candidates"] = [];
  for (let i = 0; i + 1 < rest.length; i += 2) {
    const flat = rest[i + 1] as string[];
    const entries: { value: string; score: number }[] = [];
    for (let k = 0; k + 1 < flat.length; k += 2) entries.push({ value: flat[k]!, score: Number(flat[k + 1]) });
    candidates.push({ micros: rest[i] as string, entries });
  }
  return { candidates, exhausted: Number(exhausted) === 1, ...(scannedTo ? { scannedTo } : {}) };
}
