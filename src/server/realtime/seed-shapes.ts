import { RoomSummary } from "../../protocol/index.js";

/**
 * `show.room` data as any seed server publishes it, normalised to `{id, names}`. The seed's Python
 * server reads each name with `HMGET user:{id} username`, which answers a list, so its names are
 * `[["Mary"], ["Alex"]]`; others send `["Mary", "Alex"]`, and a room id may come as a number.
 * Returns undefined for anything else.
 */
export function normalizeShowRoom(data: unknown): RoomSummary | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const d = data as Record<string, unknown>;
  if (!Array.isArray(d.names)) return undefined;
  const names: string[] = [];
  for (const name of d.names) {
    const value = Array.isArray(name) ? name[0] : name;
    if (typeof value !== "string") return undefined;
    names.push(value);
  }
  const parsed = RoomSummary.safeParse({ id: typeof d.id === "number" ? String(d.id) : d.id, names });
  return parsed.success ? parsed.data : undefined;
}
