import { parseInviteAuditDetail, parsePlaceSettingsAuditDetail, type AuditEntry, type PlaceSettingsPatch } from "../../../protocol/index.js";
import { countText, relativeText } from "../../lib/time.js";

/** A piece of an audit sentence: words, or a name (a person, a room), which the log draws strong. */
export type AuditPiece = string | { name: string };

/** One audit entry as a sentence ("Alice deleted Bob's message in General"), and a note said after it (a ban's reason). */
export interface AuditSentence {
  pieces: AuditPiece[];
  note?: string;
}

/** The name to show for a person of the entry: `kept` is the name the entry was written with. */
export type AuditNameOf = (id: number | undefined, kept: string | undefined) => string;

type Entry = Pick<AuditEntry, "action" | "actorId" | "at"> & Partial<Omit<AuditEntry, "action" | "actorId" | "at">>;

const name = (text: string): AuditPiece => ({ name: text });

/**
 * An audit entry as a person says it: who did what to whom, where. People are named by `nameOf`
 * (their display name, else their username); details read as words ("renamed the place to
 * “Acme Corp”", "up to 100 uses, expires in 1 week"), not as stored.
 */
export function auditSentence(entry: Entry, nameOf: AuditNameOf, now: number): AuditSentence {
  const actor = name(nameOf(entry.actorId, entry.actorName));
  const user = name(nameOf(entry.userId, entry.userName));
  const room: AuditPiece = entry.roomName ? name(entry.roomName) : "a conversation";
  const say = (...pieces: AuditPiece[]): AuditSentence => ({ pieces: [actor, " ", ...pieces] });
  const withNote = (sentence: AuditSentence, note: string | undefined): AuditSentence => (note ? { ...sentence, note } : sentence);
  switch (entry.action) {
    case "user.ban":
      return withNote(say("banned ", user), entry.detail);
    case "user.unban":
      return withNote(say("lifted the ban on ", user), entry.detail);
    case "user.create":
      return say("created an account for ", user, entry.detail === "admin" ? ", as an administrator" : "");
    case "user.role":
      return entry.detail === "admin" ? say("made ", user, " an administrator") : say("made ", user, " a member (no longer an administrator)");
    case "user.deactivate":
      return say("deactivated ", user, "'s account");
    case "user.reactivate":
      return say("reactivated ", user, "'s account");
    case "user.password-reset":
      return say("made a password reset link for ", user);
    case "user.avatar.remove":
      return say("removed ", user, "'s profile picture");
    case "message.delete":
      if (entry.userId === undefined) return say("deleted a message in ", room);
      if (entry.userId === entry.actorId) return say("deleted their own message in ", room);
      return say("deleted ", user, "'s message in ", room);
    case "room.member.remove":
      return say("removed ", user, " from ", room);
    case "room.delete":
      // The detail is the room's name, kept for entries that have no roomName.
      return say("deleted the room ", entry.roomName || entry.detail ? name(entry.roomName || entry.detail!) : "a conversation");
    case "room.update":
      return roomChange(entry, say);
    case "invite.create":
      return withNote(say("created an invitation"), entry.detail ? inviteTerms(entry.detail, entry.at, now) : undefined);
    case "invite.delete":
      return say("revoked an invitation");
    case "invite.accept":
      return say("joined with an invitation");
    case "place.setup":
      return say(entry.detail ? `set up the place “${entry.detail}”` : "set up the place");
    case "place.settings": {
      const changed = entry.detail ? parsePlaceSettingsAuditDetail(entry.detail) : undefined;
      const clauses = changed ? settingsClauses(changed) : [];
      return clauses.length > 0 ? say(listed(clauses)) : withNote(say("changed the place's settings"), entry.detail);
    }
    case "attachment.refused":
      // The uploader is the actor; the detail is "file name: the scanner's finding".
      return withNote(say("uploaded a file to ", room, " that failed the malware scan, so it was deleted"), entry.detail);
    case "bot.create":
      return withNote(say("created the bot ", user), entry.detail ? `webhook ${entry.detail}` : undefined);
    case "bot.token.rotate":
      return say("issued a new token for the bot ", user);
    case "bot.webhook.change":
      return entry.detail && entry.detail !== "removed"
        ? say("set the webhook of the bot ", user, ` to ${entry.detail}`)
        : say("removed the webhook of the bot ", user);
    case "bot.delete":
      return say("deleted the bot ", user);
  }
}

/** The sentence as plain text (what a screen reader and a test read). */
export function auditPlainText(sentence: AuditSentence): string {
  const text = sentence.pieces.map((p) => (typeof p === "string" ? p : p.name)).join("");
  return sentence.note ? `${text} — ${sentence.note}` : text;
}

/** An invitation's terms ("100 use(s), 168 h" as stored): "up to 100 uses, expires in 1 week", or "expired 2 days ago". */
function inviteTerms(detail: string, at: number, now: number): string {
  const terms = parseInviteAuditDetail(detail);
  if (!terms) return detail;
  const uses = terms.maxUses === null ? "any number of uses" : terms.maxUses === 1 ? "single use" : `up to ${countText(terms.maxUses, "use", "uses")}`;
  const expiresAt = at + terms.expiresInHours * 3_600_000;
  return `${uses}, ${expiresAt > now ? "expires" : "expired"} ${relativeText(expiresAt, now)}`;
}

const SIGN_UP: Record<NonNullable<PlaceSettingsPatch["registration"]>, string> = {
  open: "opened sign-up to anyone",
  invite: "made sign-up invitation-only",
  closed: "closed sign-up (only administrators create accounts)",
};
const NEW_MEMBERS: Record<NonNullable<PlaceSettingsPatch["defaultNotificationLevel"]>, string> = {
  all: "set new members' notifications to every message",
  mentions: "set new members' notifications to mentions only",
  none: "turned new members' notifications off",
};

function settingsClauses(changed: PlaceSettingsPatch): string[] {
  return [
    ...(changed.placeName !== undefined ? [`renamed the place to “${changed.placeName}”`] : []),
    ...(changed.registration ? [SIGN_UP[changed.registration]] : []),
    ...(changed.defaultNotificationLevel ? [NEW_MEMBERS[changed.defaultNotificationLevel]] : []),
  ];
}

/** "a", "a and b", "a, b and c". */
function listed(clauses: string[]): string {
  return clauses.length < 2 ? clauses.join("") : `${clauses.slice(0, -1).join(", ")} and ${clauses[clauses.length - 1]}`;
}

/**
 * A room's change, from its detail as stored (room-management.ts): "name: Old -> New; topic
 * changed; visibility: open", any of the three, in that order. The room is named in the first
 * clause and is "it" after: "renamed the room Design to Product and made it members-only".
 */
function roomChange(entry: Entry, say: (...pieces: AuditPiece[]) => AuditSentence): AuditSentence {
  let rest = entry.detail ?? "";
  const visibility = /(?:^|; )visibility: (open|closed)$/.exec(rest);
  if (visibility) rest = rest.slice(0, visibility.index);
  const topic = /(?:^|; )topic changed$/.exec(rest);
  if (topic) rest = rest.slice(0, topic.index);
  let rename: [string, string] | undefined;
  if (rest.startsWith("name: ")) {
    const names = rest.slice("name: ".length);
    // The new name is the room's name the entry was written with; else split at the first arrow.
    const newName = entry.roomName && names.endsWith(` -> ${entry.roomName}`) ? entry.roomName : undefined;
    const at = newName ? names.length - newName.length - 4 : names.indexOf(" -> ");
    if (at >= 0) rename = [names.slice(0, at), names.slice(at + 4)];
  }
  const room: AuditPiece = entry.roomName ? name(entry.roomName) : "a room";
  if ((rest !== "" && !rename) || (!rename && !topic && !visibility)) {
    return entry.detail ? { ...say("changed the room ", room), note: entry.detail } : say("changed the room ", room);
  }
  const clauses: AuditPiece[][] = [];
  if (rename) clauses.push(["renamed the room ", name(rename[0]), " to ", name(rename[1])]);
  const it = (): AuditPiece => (clauses.length === 0 ? room : "it");
  if (topic) clauses.push(clauses.length === 0 ? ["changed the topic of ", room] : ["changed its topic"]);
  if (visibility) clauses.push(visibility[1] === "open" ? ["opened ", it(), " to anyone"] : ["made ", it(), " members-only"]);
  const pieces = clauses.flatMap((clause, i) => [i === 0 ? "" : i === clauses.length - 1 ? " and " : ", ", ...clause]);
  return say(...pieces);
}
