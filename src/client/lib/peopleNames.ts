/**
 * Names for lists of messages outside the loaded rooms (pins, saved messages, search results):
 * their senders may be people this tab has never heard of. The list asks for all of them at once
 * (`load`, one request) and shows a placeholder until they arrive, never "User 7".
 */
export interface PeopleNames {
  /** The name to show; null while the person is being fetched. */
  nameOf(userId: number): string | null;
  /** Fetches the people among these this tab does not know, in one request. */
  load(userIds: readonly number[]): void;
}

/** The ids to fetch: unknown, not asked for already, each once, at most `max` (one request's worth). */
export function peopleToFetch(userIds: Iterable<number>, known: (id: number) => boolean, asked: ReadonlySet<number>, max = 500): number[] {
  const wanted = new Set<number>();
  for (const id of userIds) {
    if (wanted.size >= max) break;
    if (Number.isSafeInteger(id) && id > 0 && !known(id) && !asked.has(id)) wanted.add(id);
  }
  return [...wanted];
}
