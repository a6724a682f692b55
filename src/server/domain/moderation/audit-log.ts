import { AuditAction, type AuditEntry } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

/** The audit log keeps about this many entries (XADD MAXLEN ~). */
export const AUDIT_LOG_MAX_ENTRIES = 100_000;

export type AuditRecord = Omit<AuditEntry, "id" | "at">;

/**
 * The audit log: every moderation action, one entry of the stream `audit:log` (ours), written by
 * whoever acted (an administrator, or a room's manager for room changes), read by administrators.
 * Entry fields: action, actor, and user / room / message / detail when they apply.
 */
export class AuditLog {
  constructor(private readonly redis: Redis) {}

  async record(entry: AuditRecord): Promise<void> {
    const fields: Record<string, string> = { action: entry.action, actor: String(entry.actorId) };
    if (entry.userId !== undefined) fields.user = String(entry.userId);
    if (entry.roomId !== undefined) fields.room = entry.roomId;
    if (entry.messageId !== undefined) fields.message = entry.messageId;
    if (entry.detail !== undefined && entry.detail !== "") fields.detail = entry.detail;
    await this.redis.xAdd(keys.auditLog, "*", fields, { TRIM: { strategy: "MAXLEN", strategyModifier: "~", threshold: AUDIT_LOG_MAX_ENTRIES } });
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
      });
    }
    return out;
  }
}
