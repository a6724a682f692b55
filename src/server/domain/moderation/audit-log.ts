import { AuditAction, type AuditEntry } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { Users } from "../users.js";

/** The audit log keeps about this many entries (XADD MAXLEN ~). */
export const AUDIT_LOG_MAX_ENTRIES = 100_000;

/** What an action records; the names are looked up when it is recorded unless given (a deleted room's). */
export type AuditRecord = Omit<AuditEntry, "id" | "at" | "actorName" | "userName" | "roomName"> & { roomName?: string };

/**
 * The audit log: every moderation action, one entry of the stream `audit:log` (ours), written by
 * whoever acted (an administrator, or a room's manager for room changes), read by administrators.
 * Entry fields: action, actor, and user / room / message / detail when they apply, and the names
 * of actor, user and room as they were then (actorName, userName, roomName).
 */
export class AuditLog {
  constructor(private readonly redis: Redis, private readonly users: Pick<Users, "usernames">) {}

  /** Returns the new entry's id. */
  async record(entry: AuditRecord): Promise<string> {
    const userIds = [entry.actorId, ...(entry.userId !== undefined ? [entry.userId] : [])];
    const [names, roomName] = await Promise.all([
      this.users.usernames(userIds),
      entry.roomName ?? (entry.roomId !== undefined ? this.redis.get(keys.roomName(entry.roomId)) : null),
    ]);
    const fields: Record<string, string> = { action: entry.action, actor: String(entry.actorId) };
    const actorName = names.get(entry.actorId);
    if (actorName !== undefined) fields.actorName = actorName;
    if (entry.userId !== undefined) fields.user = String(entry.userId);
    const userName = entry.userId !== undefined ? names.get(entry.userId) : undefined;
    if (userName !== undefined) fields.userName = userName;
    if (entry.roomId !== undefined) fields.room = entry.roomId;
    if (roomName) fields.roomName = roomName;
    if (entry.messageId !== undefined) fields.message = entry.messageId;
    if (entry.detail !== undefined && entry.detail !== "") fields.detail = entry.detail;
    return this.redis.xAdd(keys.auditLog, "*", fields, { TRIM: { strategy: "MAXLEN", strategyModifier: "~", threshold: AUDIT_LOG_MAX_ENTRIES } });
  }

  /** Newest first, at most `limit`, strictly before the entry id `before` when given. */
  async read(limit: number, before?: string): Promise<AuditEntry[]> {
    const entries = await this.redis.xRevRange(keys.auditLog, before ? `(${before}` : "+", "-", { COUNT: limit });
    const out: AuditEntry[] = [];
    for (const { id, message } of entries ?? []) {
      const action = AuditAction.safeParse(message.action);
      if (!action.success) continue;
      out.push({
        id,
        at: Number(id.split("-")[0]),
        action: action.data,
        actorId: Number(message.actor ?? 0),
        ...(message.user !== undefined ? { userId: Number(message.user) } : {}),
        ...(message.room !== undefined ? { roomId: message.room } : {}),
        ...(message.message !== undefined ? { messageId: message.message } : {}),
        ...(message.detail !== undefined ? { detail: message.detail } : {}),
        ...(message.actorName !== undefined ? { actorName: message.actorName } : {}),
        ...(message.userName !== undefined ? { userName: message.userName } : {}),
        ...(message.roomName !== undefined ? { roomName: message.roomName } : {}),
      });
    }
    return out;
  }
}
