import { useSyncExternalStore } from "react";

/**
 * Who has a profile picture, by user id: the URL (`/users/{id}/avatar?v=...`) or none. Filled from
 * whatever lists people (the chat's known users, profiles, the directory), read by every Avatar,
 * so a picture shows wherever a person's avatar does without each screen passing it down.
 */
const urls = new Map<number, string | null>();
const listeners = new Set<() => void>();

/** Records what these people's pictures are now (`avatarUrl` absent or null: none). */
export function rememberAvatarUrls(people: Iterable<{ id: number; avatarUrl?: string | null }>): void {
  let changed = false;
  for (const p of people) {
    const url = p.avatarUrl ?? null;
    if (urls.get(p.id) === url) continue;
    urls.set(p.id, url);
    changed = true;
  }
  if (changed) listeners.forEach((listener) => listener());
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The picture of user `id`, or null (unknown, or none). */
export function useAvatarUrl(id: number | undefined): string | null {
  const read = () => (id === undefined ? null : (urls.get(id) ?? null));
  return useSyncExternalStore(subscribe, read, read);
}
