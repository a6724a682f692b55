import { compareMessageIds, GENERAL_ROOM_ID, parsePrivateRoomId, type ChatMessage, type SearchPage, type SearchQuery, type SearchResult } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { parseStoredMessage } from "../messages.js";
import { resolveRepliesInRooms } from "../messages/replies.js";
import type { Rooms } from "../rooms.js";
import type { NamedRooms } from "../rooms/named-rooms.js";
import type { Users } from "../users.js";
import type { IdWindow, RoomCandidates, SearchIndex } from "./index.js";
import { roomNameKey, roomSlugKey, SearchAuthors } from "./authors.js";
import { AuthorsIndexed } from "./cursor.js";
import { matchMessage, parseQuery, QueryError, type ParsedQuery, type TermSpec } from "./query.js";
import { authorTerm } from "./text.js";

/** A position in the merged order of every room: newest id first, then room id descending (ids repeat across rooms). */
interface Position {
  id: string;
  roomId: string;
}

function comparePositions(a: Position, b: Position): number {
  return compareMessageIds(a.id, b.id) || (a.roomId < b.roomId ? -1 : a.roomId > b.roomId ? 1 : 0);
}

/** Ids one room's script call may read: bounds the time any one call holds Redis. */
const SCAN_CAP = 2000;
/** Rounds of room calls one page may take; past them the page ends early with a cursor (never a skip). */
const MAX_ROUNDS = 12;
/** Entries one room's read takes in a filter-only query with from: (see search()). */
const FILTER_READ = 200;
/** Pages' worth of candidates a read of several rooms takes when from: filters them (see search()). */
const FROM_READ_PAGES = 4;
/** People whose postings one from: reads (as many as a prefix expands to); more, and from: filters the text's candidates. */
const MAX_AUTHORS = 64;

export type SearchOutcome = { ok: true; page: SearchPage } | SearchRefusal;
type SearchRefusal = { ok: false; status: 400 | 403 | 503; error: string };

/**
 * Why `in:` names no room one is in. An open room is in the directory for anyone to see, so it is
 * named; any other name (a closed room or group one is not in, or nothing) gets the same answer,
 * which says nothing of whether such a room exists.
 */
export const notInOpenRoom = (name: string) => `You are not a member of “${name}”: join it from Browse rooms to search it`;
export const noRoomNamed = (name: string) => `None of your rooms is named “${name}”`;

interface Buffered {
  position: Position;
  message: ChatMessage;
  member: string;
}

interface RoomState {
  roomId: string;
  /** Whether from: is read from this room's author postings (else checked on each candidate). */
  byAuthor: boolean;
  upper: string;
  lower: string;
  /** Read and not yet consumed; each is checked on its text only when consumed (most never are). */
  buffered: Buffered[];
  scannedTo?: Position;
  exhausted: boolean;
}

/**
 * Full-text search over the rooms a person is a member of at the time of the query: each room's
 * index proposes candidates newest first (SearchIndex.candidates, one script per room, in the
 * room's slot), each candidate is checked on its text (words, phrases, `from:`, `has:`), and the
 * rooms are merged newest first. The cursor is the last position consumed, so a page never skips
 * or repeats a message, even when messages of different rooms share a time.
 */
export class MessageSearch {
  constructor(
    private readonly redis: Redis,
    readonly index: SearchIndex,
    private readonly rooms: Rooms,
    users: Users,
    /** Which open room `in:` names when it is none of the person's (without it: none is named). */
    private readonly openRooms?: Pick<NamedRooms, "openRoomNamed">,
  ) {
    this.authors = new SearchAuthors(redis, users);
    this.authorsIndexed = new AuthorsIndexed(redis);
  }

  /** Rooms whose index holds every message's author. */
  private readonly authorsIndexed: AuthorsIndexed;

  /** Whom `from:` means. */
  private readonly authors: SearchAuthors;

  /** A page of results; replies in it quote their originals as they are now (messages/replies.ts). */
  async search(userId: number, request: SearchQuery): Promise<SearchOutcome> {
    const outcome = await this.findPage(userId, request);
    if (outcome.ok) await resolveRepliesInRooms(this.redis, outcome.page.results.map((r) => r.message));
    return outcome;
  }

  private async findPage(userId: number, request: SearchQuery): Promise<SearchOutcome> {
    if (!this.index.enabled) return { ok: false, status: 503, error: "Search is turned off on this server" };
    let query: ParsedQuery;
    let cursor: Position | undefined;
    try {
      query = parseQuery(request.q, request);
      cursor = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    } catch (err) {
      if (err instanceof QueryError) return { ok: false, status: 400, error: err.message };
      throw err;
    }
    // A query of filters only (from:, in:, dates) lists the rooms' messages newest first (the
    // index reads the room's history itself: SearchIndex.candidates with no term).
    if (query.terms.length === 0 && query.from === undefined && query.roomId === undefined && query.inRoomName === undefined
      && query.beforeId === undefined && query.afterId === undefined && query.phrases.length === 0) {
      return { ok: false, status: 400, error: "Type a word to search for (or a filter: from:, in:, has:, before:, after:)" };
    }
    let fromIds: ReadonlySet<number> | undefined;
    if (query.from !== undefined) {
      fromIds = await this.authors.resolve(query.from);
      if (fromIds.size === 0) return { ok: true, page: { results: [], next: null } };
    }
    const roomIds = await this.roomsToSearch(userId, query);
    if (!Array.isArray(roomIds)) return roomIds;

    // from: is one more term where the room's index has the authors' postings: the page then costs
    // what its matches cost, not a read of the room's history filtered by author.
    const authorSpec: TermSpec | undefined = fromIds !== undefined && fromIds.size <= MAX_AUTHORS
      ? { term: "", prefix: false, anyOf: [...fromIds].map(authorTerm) } : undefined;
    const byAuthor = authorSpec ? await this.authorsIndexed.of(roomIds) : new Set<string>();
    const window = this.window(query, cursor);
    const states = roomIds.map((roomId) => ({ roomId, byAuthor: byAuthor.has(roomId), ...window, buffered: [], exhausted: false }) as RoomState);
    const results: SearchResult[] = [];
    let last: Position | undefined;
    // Candidates asked of each room per read: the page spread over the rooms (twice over), so
    // that 50 rooms do not each send a full page to check; rooms that run dry read again.
    const want = Math.min(request.limit, Math.max(3, Math.ceil((2 * request.limit) / Math.max(1, roomIds.length))));
    // Rooms read by their author postings: the query's terms and the authors' (the page's matches).
    const authored = { terms: authorSpec ? [...query.terms, authorSpec] : query.terms, want, total: request.limit };
    // The other rooms (an index from before the author postings; from: meaning too many people):
    // from: drops most candidates. A filter-only read is the room's history, read in bigger steps
    // (still bounded: want per call, MAX_ROUNDS calls a page), and a read of several rooms takes a
    // few pages' worth.
    const filtered = {
      terms: query.terms,
      want: query.terms.length === 0 && fromIds !== undefined ? Math.max(want, FILTER_READ) : want,
      total: fromIds === undefined ? request.limit : request.limit * FROM_READ_PAGES,
    };
    for (let round = 0; round < MAX_ROUNDS; round++) {
      // Rooms with nothing buffered read on (in parallel: one script each, on its room's slot).
      const calls = states.filter((s) => !s.exhausted && s.buffered.length === 0);
      await Promise.all([
        this.readRooms(calls.filter((s) => s.byAuthor), query, authored, cursor),
        this.readRooms(calls.filter((s) => !s.byAuthor), query, filtered, cursor),
      ]);
      // Everything at or above the frontier has been read in every room that still has more.
      const frontier = frontierOf(states);
      const ready = states
        .flatMap((s) => s.buffered)
        .filter((b) => !frontier || comparePositions(b.position, frontier) >= 0)
        .sort((a, b) => comparePositions(b.position, a.position));
      for (const item of ready) {
        last = item.position;
        const state = states.find((s) => s.roomId === item.position.roomId)!;
        state.buffered.splice(state.buffered.indexOf(item), 1);
        const result = this.check(item.position.roomId, item.message, item.member, query, fromIds);
        if (result) results.push(result);
        if (results.length === request.limit) return { ok: true, page: { results, next: encodeCursor(last) } };
      }
      if (!frontier) return { ok: true, page: { results, next: null } };
      last = frontier;
    }
    return { ok: true, page: { results, next: last ? encodeCursor(last) : null } };
  }

  /** Reads the rooms' next candidates (in as few calls as the index can). */
  private async readRooms(states: RoomState[], query: ParsedQuery, read: { terms: TermSpec[]; want: number; total: number }, cursor: Position | undefined): Promise<void> {
    if (states.length === 0) return;
    const { terms, want, total } = read;
    const lower = states[0]!.lower;
    if (this.index.candidatesMany) {
      const found = await this.index.candidatesMany(states.map((s) => ({ roomId: s.roomId, upper: s.upper })), terms, query.phrases, lower, want, SCAN_CAP, total);
      states.forEach((state, i) => this.take(state, found[i]!, cursor));
      return;
    }
    await Promise.all(states.map(async (state) => {
      this.take(state, await this.index.candidates(state.roomId, terms, query.phrases, { upper: state.upper, lower }, want, SCAN_CAP), cursor);
    }));
  }

  /** Buffers one room's candidates (checked on their text when consumed); what is not after the cursor is left out. */
  private take(state: RoomState, found: RoomCandidates, cursor: Position | undefined): void {
    state.exhausted = found.exhausted;
    if (found.scannedTo) {
      // Everything of this room at or after that microsecond is read (a seed id `M-hash` sorts after `M`).
      state.scannedTo = { id: found.scannedTo, roomId: state.roomId };
      state.upper = `(${found.scannedTo}`;
    }
    for (const candidate of found.candidates) {
      for (const { value, score } of candidate.entries) {
        const message = parseStoredMessage(value, score, state.roomId);
        if (!message) continue;
        const position = { id: message.id, roomId: state.roomId };
        if (cursor && comparePositions(position, cursor) >= 0) continue;
        state.buffered.push({ position, message, member: value });
      }
    }
  }

  private check(roomId: string, message: ChatMessage, member: string, query: ParsedQuery, fromIds: ReadonlySet<number> | undefined): SearchResult | undefined {
    if (fromIds !== undefined && !fromIds.has(message.from)) return undefined;
    const attachments = (JSON.parse(member) as { attachments?: unknown }).attachments;
    const ranges = matchMessage(query, { message: message.message, attachments });
    return ranges ? { roomId, message, ranges } : undefined;
  }

  /**
   * The window of one room, in microseconds: from the cursor's time down (inclusive: messages of a
   * seed server's second, or of other rooms at that time, may still come; read() drops what is not
   * after the cursor), below `before`, down to `after`.
   */
  private window(query: ParsedQuery, cursor: Position | undefined): IdWindow {
    const bounds: { micros: string; inclusive: boolean }[] = [];
    if (cursor) bounds.push({ micros: microsOf(cursor.id), inclusive: true });
    if (query.beforeId) bounds.push({ micros: query.beforeId, inclusive: false });
    bounds.sort((a, b) => compareMessageIds(a.micros, b.micros) || (a.inclusive ? 1 : -1));
    const upper = bounds[0] ? `${bounds[0].inclusive ? "[" : "("}${bounds[0].micros}` : "+";
    return { upper, lower: query.afterId ? `[${query.afterId}` : "-" };
  }

  /**
   * The rooms the person is a member of now (General always), narrowed by `room=` / `in:`; a
   * refusal when they name no room the person is in (rather than an empty page that says nothing).
   */
  private async roomsToSearch(userId: number, query: ParsedQuery): Promise<string[] | SearchRefusal> {
    if (query.roomId !== undefined) {
      return (await this.rooms.isMember(userId, query.roomId)) ? [query.roomId] : { ok: false, status: 403, error: "You are not a member of this room" };
    }
    const listed = new Set(await this.redis.sMembers(keys.userRooms(userId)));
    listed.add(GENERAL_ROOM_ID);
    const ids = [...listed];
    const member = await this.rooms.isMemberOfListed(userId, ids);
    let rooms = ids.filter((_, i) => member[i]);
    if (query.inRoomName !== undefined) {
      const named = rooms.filter((id) => !parsePrivateRoomId(id));
      const names = await Promise.all(named.map((id) => this.redis.get(keys.roomName(id))));
      const matching = (key: (name: string) => string) => {
        const wanted = key(query.inRoomName!);
        return named.filter((_, i) => names[i] != null && key(names[i]!) === wanted);
      };
      rooms = matching(roomNameKey);
      if (rooms.length === 0) rooms = matching(roomSlugKey);
      if (rooms.length === 0) return this.inRefusal(query.inRoomName);
    }
    return rooms;
  }

  /** Why `in:name` names none of the person's rooms (see notInOpenRoom). */
  private async inRefusal(name: string): Promise<SearchRefusal> {
    // Open rooms are found by their exact name (any case); a slug is tried with spaces for its marks.
    const spaced = name.replace(/[-_.]+/g, " ").trim();
    const open = (await this.openRooms?.openRoomNamed(name)) ?? (spaced && spaced !== name ? await this.openRooms?.openRoomNamed(spaced) : undefined);
    return open ? { ok: false, status: 403, error: notInOpenRoom(open.name) } : { ok: false, status: 400, error: noRoomNamed(name) };
  }
}

/** The newest of the positions read to in rooms that have more: nothing at or above it is left unread. */
function frontierOf(states: RoomState[]): Position | undefined {
  let max: Position | undefined;
  for (const s of states) if (!s.exhausted && s.scannedTo && (!max || comparePositions(s.scannedTo, max) > 0)) max = s.scannedTo;
  return max;
}

/** The time part of an id (a seed server's message: before the `-`). */
function microsOf(id: string): string {
  const dash = id.indexOf("-");
  return dash < 0 ? id : id.slice(0, dash);
}

function encodeCursor(position: Position): string {
  return Buffer.from(`${position.id}/${position.roomId}`).toString("base64url");
}

function decodeCursor(cursor: string): Position {
  const [id, roomId] = Buffer.from(cursor, "base64url").toString().split("/");
  if (!id || !roomId || !/^\d{1,20}(?:-[0-9a-f]{12})?$/.test(id) || !/^[A-Za-z0-9_.:-]{1,64}$/.test(roomId)) {
    throw new QueryError("cursor is malformed");
  }
  return { id, roomId };
}
