import { describe, expect, it } from "vitest";
import { inviteAuditDetail } from "../../../protocol/index.js";
import { countText, relativeText } from "../../lib/time.js";
import { auditDetailText } from "./auditText.js";

const HOUR = 3_600_000;
const at = Date.UTC(2026, 11, 6, 7, 51);
const invite = (maxUses: number | null, hours: number) => ({ action: "invite.create" as const, detail: inviteAuditDetail(maxUses, hours), at });

describe("the audit log says an invitation's terms as people do", () => {
  it("a week-long invitation for 100 people reads 'up to 100 uses, expires in 1 week' when just made", () => {
    expect(auditDetailText(invite(100, 168), at + 5_000)).toBe("up to 100 uses, expires in 1 week");
  });

  it("counts the time left from now, and says when it has expired", () => {
    expect(auditDetailText(invite(100, 168), at + 24 * HOUR)).toBe("up to 100 uses, expires in 6 days");
    expect(auditDetailText(invite(100, 168), at + 167 * HOUR)).toBe("up to 100 uses, expires in 1 hour");
    expect(auditDetailText(invite(100, 24), at + 3 * 24 * HOUR)).toBe("up to 100 uses, expired 2 days ago");
  });

  it("a single-use and an unlimited invitation say so", () => {
    expect(auditDetailText(invite(1, 24), at)).toBe("single use, expires in 1 day");
    expect(auditDetailText(invite(null, 720), at)).toBe("any number of uses, expires in 30 days");
    expect(auditDetailText(invite(2, 48), at)).toBe("up to 2 uses, expires in 2 days");
  });

  it("other details (a ban's reason) are shown as written, and an unknown invitation detail too", () => {
    expect(auditDetailText({ action: "user.ban", detail: "spam, 168 h", at }, at)).toBe("spam, 168 h");
    expect(auditDetailText({ action: "invite.create", detail: "something else", at }, at)).toBe("something else");
    expect(auditDetailText({ action: "invite.create", at }, at)).toBeUndefined();
  });
});

describe("time and count phrases", () => {
  it("says how far a time is from now, either way, in the largest unit it fills", () => {
    expect(relativeText(at + 14 * 24 * HOUR, at)).toBe("in 2 weeks");
    expect(relativeText(at + 10 * 24 * HOUR, at)).toBe("in 10 days");
    expect(relativeText(at + 2 * HOUR, at)).toBe("in 2 hours");
    expect(relativeText(at + 60_000, at)).toBe("in 1 minute");
    expect(relativeText(at - 3 * 24 * HOUR, at)).toBe("3 days ago");
  });

  it("puts a noun in the form its count needs", () => {
    expect(countText(1, "use", "uses")).toBe("1 use");
    expect(countText(0, "use", "uses")).toBe("0 uses");
    expect(countText(1000, "use", "uses")).toBe("1,000 uses");
  });
});
