import { parseInviteAuditDetail, type AuditEntry } from "../../../protocol/index.js";
import { countText, relativeText } from "../../lib/time.js";

/**
 * An audit entry's detail as a person reads it. An invitation's terms ("100 use(s), 168 h" as
 * stored) become "up to 100 uses, expires in 1 week" (or "expired 2 days ago" once it has); other
 * details (a ban's reason, a room's old name) are shown as they are.
 */
export function auditDetailText(entry: Pick<AuditEntry, "action" | "detail" | "at">, now: number): string | undefined {
  if (!entry.detail) return undefined;
  if (entry.action === "invite.create") {
    const terms = parseInviteAuditDetail(entry.detail);
    if (terms) {
      const uses = terms.maxUses === null ? "any number of uses" : terms.maxUses === 1 ? "single use" : `up to ${countText(terms.maxUses, "use", "uses")}`;
      const expiresAt = entry.at + terms.expiresInHours * 3_600_000;
      return `${uses}, ${expiresAt > now ? "expires" : "expired"} ${relativeText(expiresAt, now)}`;
    }
  }
  return entry.detail;
}
