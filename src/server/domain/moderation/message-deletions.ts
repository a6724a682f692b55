import type { ChatMessage } from "../../../protocol/index.js";
import type { AuditLog } from "./audit-log.js";

interface Deps {
  roles: { isAdmin(userId: number): Promise<boolean> };
  messageActions: { get(userId: number, roomId: string, id: string): Promise<{ ok: true; value: ChatMessage } | { ok: false }> };
  audit: AuditLog;
}

/**
 * Runs a message deletion (`DELETE /room/:roomId/messages/:messageId`, socket `message.delete`) and,
 * when an administrator deleted someone else's message, writes it to the audit log (a moderation
 * action). Costs one message lookup, only for administrators; authors deleting their own messages
 * are not logged.
 */
export async function deleteWithAudit<T extends { ok: boolean }>(
  deps: Deps,
  actorId: number,
  roomId: string,
  messageId: string,
  run: () => Promise<T>,
): Promise<T> {
  const before = (await deps.roles.isAdmin(actorId)) ? await deps.messageActions.get(actorId, roomId, messageId) : undefined;
  const outcome = await run();
  if (outcome.ok && before?.ok && before.value.from !== actorId) {
    await deps.audit.record({ action: "message.delete", actorId, roomId, messageId, userId: before.value.from });
  }
  return outcome;
}
