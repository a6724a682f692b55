import type { TermSpec } from "./query.js";
import { indexTerms, type IndexedMessage } from "./text.js";

/** One stored message to index (sweep, reindex): its exact sorted-set member, its id and text. */
export interface StoredEntry {
  member: string;
  id: string;
  message: IndexedMessage;
}

/** Candidates of one room for a query, newest first, and how far the room was read. */
export interface RoomCandidates {
  /** Each candidate's time (microseconds) and the room's entries at that score (member, score), to read from. */
  candidates: { micros: string; entries: { value: string; score: number }[] }[];
  /** The oldest time (microseconds) looked at: everything newer (below the upper bound) has been considered. */
  scannedTo?: string;
  /** Nothing older is left in the window. */
  exhausted: boolean;
}

/** The window of one room's read, in microseconds: below `upper` (`(m` exclusive, `[m` inclusive, `+` none), down to `lower` (`[m` or `-`). */
export interface IdWindow {
  upper: string;
  lower: string;
}

/**
 * The search index behind one small interface. The writes happen inside the message scripts
 * (store, edit, delete): an implementation gives them a Lua fragment and the argument it reads.
 * `redis7.ts` is the implementation for any Redis 7 (and Cluster), and the default.
 */
export interface SearchIndex {
  /** False with SEARCH=off: nothing is indexed, searches are refused. */
  readonly enabled: boolean;
  /** The argument of the message scripts' index fragment: the terms to add (or remove), or '' when off. */
  termsArg(terms: readonly string[]): string;
  /**
   * Candidates of one room having every term, newest first, at most `want`, reading at most
   * `scanCap` postings. `phrases` (and a term's `imagesOnly`) may be used to leave out what surely
   * does not match them (Node checks every candidate on its text in any case).
   */
  candidates(roomId: string, terms: TermSpec[], phrases: string[][], window: IdWindow, want: number, scanCap: number): Promise<RoomCandidates>;
  /**
   * candidates() of several rooms at once (same terms, own upper bounds), in order; may save round
   * trips. With terms, an implementation may return only the newest `total` candidates of the rooms
   * it reads together (rather than `want` of each), each room's `scannedTo` telling how far it was
   * read: a page needs about `total`.
   */
  candidatesMany?(reads: { roomId: string; upper: string }[], terms: TermSpec[], phrases: string[][], lower: string, want: number, scanCap: number, total: number): Promise<RoomCandidates[]>;
  /** Indexes stored messages that are still in the room as given (sweep, reindex); returns how many were. */
  indexStored(roomId: string, entries: StoredEntry[]): Promise<number>;
  /** Removes a deleted room's whole index. */
  dropRoom(roomId: string): Promise<void>;
}

/** The terms argument for a message (see SearchIndex.termsArg). */
export function termsFor(index: SearchIndex, message: IndexedMessage): string {
  return index.enabled ? index.termsArg(indexTerms(message)) : "";
}

/** Terms to remove and to add when a message's text changes from `before` to `after`. */
export function termChange(index: SearchIndex, before: IndexedMessage, after: IndexedMessage): { removed: string; added: string } {
  if (!index.enabled) return { removed: "", added: "" };
  const old = new Set(indexTerms(before));
  const next = new Set(indexTerms(after));
  return {
    removed: index.termsArg([...old].filter((t) => !next.has(t))),
    added: index.termsArg([...next].filter((t) => !old.has(t))),
  };
}
