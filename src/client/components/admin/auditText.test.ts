import { describe, expect, it } from "vitest";
import { AuditAction, inviteAuditDetail, placeSettingsAuditDetail, type AuditEntry } from "../../../protocol/index.js";
import { countText, relativeText } from "../../lib/time.js";
import { auditPlainText, auditSentence, type AuditNameOf } from "./auditText.js";

const HOUR = 3_600_000;
const at = Date.UTC(2026, 11, 6, 7, 51);
// Alice and Bob chose display names; carol did not, and user 9 is gone (a deleted bot): the name kept in the entry.
const people: Record<number, string> = { 1: "Alice Admin", 2: "Bob Builder", 3: "carol" };
const nameOf: AuditNameOf = (id, kept) => (id !== undefined ? people[id] ?? kept ?? `user ${id}` : kept ?? "");
type Given = Omit<AuditEntry, "id" | "at" | "actorId"> & { actorId?: number };
const say = (entry: Given, now = at) =>
  auditPlainText(auditSentence({ actorId: 1, actorName: "alice", at, ...entry }, nameOf, now));
const bob = { userId: 2, userName: "bob" } as const;
const general = { roomId: "0", roomName: "General" } as const;
const invite = (maxUses: number | null, hours: number) => ({ action: "invite.create" as const, detail: inviteAuditDetail(maxUses, hours) });

describe("the audit log says each entry as a plain sentence, with people's display names", () => {
  it("an administrator deleting someone's message: the author owns the message, the room is where", () => {
    expect(say({ action: "message.delete", ...bob, ...general, messageId: "5-0" })).toBe("Alice Admin deleted Bob Builder's message in General");
    expect(say({ action: "message.delete", ...bob, roomId: "1:2" })).toBe("Alice Admin deleted Bob Builder's message in a conversation");
    expect(say({ action: "message.delete", userId: 1, ...general })).toBe("Alice Admin deleted their own message in General");
  });

  it("names people by their display name, else their username, else the name kept in the entry", () => {
    expect(say({ action: "user.ban", userId: 3, userName: "carol" })).toBe("Alice Admin banned carol");
    expect(say({ action: "bot.delete", userId: 9, userName: "deploybot" })).toBe("Alice Admin deleted the bot deploybot");
  });

  it("bans and their lifting say who and why", () => {
    expect(say({ action: "user.ban", ...bob, detail: "spam in General" })).toBe("Alice Admin banned Bob Builder — spam in General");
    expect(say({ action: "user.ban", ...bob })).toBe("Alice Admin banned Bob Builder");
    expect(say({ action: "user.unban", ...bob })).toBe("Alice Admin lifted the ban on Bob Builder");
    expect(say({ action: "user.unban", ...bob, detail: "apologised" })).toBe("Alice Admin lifted the ban on Bob Builder — apologised");
  });

  it("accounts: made, promoted or demoted, deactivated and back, reset links, pictures", () => {
    expect(say({ action: "user.create", ...bob, detail: "member" })).toBe("Alice Admin created an account for Bob Builder");
    expect(say({ action: "user.create", ...bob, detail: "admin" })).toBe("Alice Admin created an account for Bob Builder, as an administrator");
    expect(say({ action: "user.role", ...bob, detail: "admin" })).toBe("Alice Admin made Bob Builder an administrator");
    expect(say({ action: "user.role", ...bob, detail: "member" })).toBe("Alice Admin made Bob Builder a member (no longer an administrator)");
    expect(say({ action: "user.deactivate", ...bob })).toBe("Alice Admin deactivated Bob Builder's account");
    expect(say({ action: "user.reactivate", ...bob })).toBe("Alice Admin reactivated Bob Builder's account");
    expect(say({ action: "user.password-reset", ...bob })).toBe("Alice Admin made a password reset link for Bob Builder");
    expect(say({ action: "user.avatar.remove", ...bob })).toBe("Alice Admin removed Bob Builder's profile picture");
  });

  it("rooms: a member removed, a room deleted, a room changed in words", () => {
    expect(say({ action: "room.member.remove", ...bob, roomId: "7", roomName: "Design" })).toBe("Alice Admin removed Bob Builder from Design");
    expect(say({ action: "room.delete", roomId: "7", roomName: "Design", detail: "Design" })).toBe("Alice Admin deleted the room Design");
    const product = { roomId: "7", roomName: "Product" };
    expect(say({ action: "room.update", ...product, detail: "name: Design -> Product" })).toBe("Alice Admin renamed the room Design to Product");
    expect(say({ action: "room.update", ...product, detail: "topic changed" })).toBe("Alice Admin changed the topic of Product");
    expect(say({ action: "room.update", ...product, detail: "visibility: open" })).toBe("Alice Admin opened Product to anyone");
    expect(say({ action: "room.update", ...product, detail: "visibility: closed" })).toBe("Alice Admin made Product members-only");
    expect(say({ action: "room.update", ...product, detail: "name: Design -> Product; topic changed; visibility: closed" }))
      .toBe("Alice Admin renamed the room Design to Product, changed its topic and made it members-only");
    expect(say({ action: "room.update", roomId: "7", roomName: "A -> B", detail: "name: Old -> A -> B" })).toBe("Alice Admin renamed the room Old to A -> B");
    expect(say({ action: "room.update", ...product, detail: "something new" })).toBe("Alice Admin changed the room Product — something new");
  });

  it("invitations: made (with their terms), revoked, and accepted by a newcomer", () => {
    expect(say(invite(100, 168))).toBe("Alice Admin created an invitation — up to 100 uses, expires in 1 week");
    expect(say({ action: "invite.delete" })).toBe("Alice Admin revoked an invitation");
    expect(say({ action: "invite.accept", actorId: 3, actorName: "carol" })).toBe("carol joined with an invitation");
  });

  it("the place: its setup, and each setting changed said in words, only what changed", () => {
    expect(say({ action: "place.setup", userId: 1, userName: "alice", detail: "Acme" })).toBe("Alice Admin set up the place “Acme”");
    const settings = (detail: string) => say({ action: "place.settings", detail });
    expect(settings(placeSettingsAuditDetail({ placeName: "Acme Corp" }))).toBe("Alice Admin renamed the place to “Acme Corp”");
    expect(settings(placeSettingsAuditDetail({ registration: "open" }))).toBe("Alice Admin opened sign-up to anyone");
    expect(settings(placeSettingsAuditDetail({ registration: "invite" }))).toBe("Alice Admin made sign-up invitation-only");
    expect(settings(placeSettingsAuditDetail({ registration: "closed" }))).toBe("Alice Admin closed sign-up (only administrators create accounts)");
    expect(settings(placeSettingsAuditDetail({ defaultNotificationLevel: "mentions" }))).toBe("Alice Admin set new members' notifications to mentions only");
    expect(settings(placeSettingsAuditDetail({ defaultNotificationLevel: "all" }))).toBe("Alice Admin set new members' notifications to every message");
    expect(settings(placeSettingsAuditDetail({ defaultNotificationLevel: "none" }))).toBe("Alice Admin turned new members' notifications off");
    expect(settings(placeSettingsAuditDetail({ placeName: "Acme Corp", registration: "invite" })))
      .toBe("Alice Admin renamed the place to “Acme Corp” and made sign-up invitation-only");
    // Entries written before held every field sent, as key=value.
    expect(settings("placeName=Acme Corp, registration=open, defaultNotificationLevel=mentions"))
      .toBe("Alice Admin renamed the place to “Acme Corp”, opened sign-up to anyone and set new members' notifications to mentions only");
    expect(settings("colour=blue")).toBe("Alice Admin changed the place's settings — colour=blue");
  });

  it("a refused upload names its uploader and room, with the file and the scanner's finding", () => {
    expect(say({ action: "attachment.refused", actorId: 2, actorName: "bob", ...general, detail: "eicar.com: Eicar-Test-Signature" }))
      .toBe("Bob Builder uploaded a file to General that failed the malware scan, so it was deleted — eicar.com: Eicar-Test-Signature");
  });

  it("bots: made, a new token, their webhook set or removed, deleted", () => {
    const bot = { userId: 3, userName: "carol" };
    expect(say({ action: "bot.create", ...bot })).toBe("Alice Admin created the bot carol");
    expect(say({ action: "bot.create", ...bot, detail: "https://hooks.example/x" })).toBe("Alice Admin created the bot carol — webhook https://hooks.example/x");
    expect(say({ action: "bot.token.rotate", ...bot })).toBe("Alice Admin issued a new token for the bot carol");
    expect(say({ action: "bot.webhook.change", ...bot, detail: "https://hooks.example/y" })).toBe("Alice Admin set the webhook of the bot carol to https://hooks.example/y");
    expect(say({ action: "bot.webhook.change", ...bot, detail: "removed" })).toBe("Alice Admin removed the webhook of the bot carol");
    expect(say({ action: "bot.delete", ...bot })).toBe("Alice Admin deleted the bot carol");
  });

  it("every kind of entry reads as a sentence: never a stored key, never a bare verb", () => {
    for (const action of AuditAction.options) {
      const text = say({ action, ...bob, ...general, detail: action === "place.settings" ? placeSettingsAuditDetail({ registration: "open" }) : undefined });
      expect(text, action).toMatch(/^Alice Admin [a-z]/);
      expect(text, action).not.toMatch(/=|undefined| in $| {2}/);
    }
  });
});

describe("the audit log says an invitation's terms as people do", () => {
  it("a week-long invitation for 100 people reads 'up to 100 uses, expires in 1 week' when just made", () => {
    expect(say(invite(100, 168), at + 5_000)).toBe("Alice Admin created an invitation — up to 100 uses, expires in 1 week");
  });

  it("counts the time left from now, and says when it has expired", () => {
    expect(say(invite(100, 168), at + 24 * HOUR)).toMatch(/— up to 100 uses, expires in 6 days$/);
    expect(say(invite(100, 168), at + 167 * HOUR)).toMatch(/— up to 100 uses, expires in 1 hour$/);
    expect(say(invite(100, 24), at + 3 * 24 * HOUR)).toMatch(/— up to 100 uses, expired 2 days ago$/);
  });

  it("a single-use and an unlimited invitation say so", () => {
    expect(say(invite(1, 24))).toMatch(/— single use, expires in 1 day$/);
    expect(say(invite(null, 720))).toMatch(/— any number of uses, expires in 30 days$/);
    expect(say(invite(2, 48))).toMatch(/— up to 2 uses, expires in 2 days$/);
  });

  it("an invitation detail in an unknown form is shown as written, and none says nothing more", () => {
    expect(say({ action: "invite.create", detail: "something else" })).toBe("Alice Admin created an invitation — something else");
    expect(say({ action: "invite.create" })).toBe("Alice Admin created an invitation");
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
