/**
 * What is typed in a room's message box and not sent yet, per account and room, in localStorage
 * (`redis-chat:drafts:{userId}` -> {roomId: {text, title}}): it survives switching rooms, a reload
 * and the end of the session (a ban, signing out elsewhere), and comes back only for the same
 * account. The sign-in page shows what an ended session left here.
 */
export interface Draft {
  roomId: string;
  text: string;
  /** The room's title when the draft was typed, for the sign-in page (which knows no rooms). */
  title: string;
}

const PREFIX = "redis-chat:drafts:";
const key = (userId: number) => `${PREFIX}${userId}`;

type Stored = Record<string, { text: string; title: string }>;

function read(userId: number): Stored {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(key(userId)) ?? "{}");
    if (!parsed || typeof parsed !== "object") return {};
    const out: Stored = {};
    for (const [roomId, value] of Object.entries(parsed as Record<string, unknown>)) {
      const v = value as { text?: unknown; title?: unknown } | null;
      if (v && typeof v.text === "string" && v.text) out[roomId] = { text: v.text, title: typeof v.title === "string" ? v.title : "" };
    }
    return out;
  } catch {
    return {};
  }
}

function write(userId: number, drafts: Stored): void {
  try {
    if (Object.keys(drafts).length === 0) localStorage.removeItem(key(userId));
    else localStorage.setItem(key(userId), JSON.stringify(drafts));
  } catch {
    // Storage full or disabled: the draft lives as long as the page.
  }
}

export function loadDraft(userId: number, roomId: string): string {
  return read(userId)[roomId]?.text ?? "";
}

/** Keeps `text` as the room's draft; an empty text forgets it. */
export function saveDraft(userId: number, roomId: string, text: string, title: string): void {
  const drafts = read(userId);
  if (text) drafts[roomId] = { text, title };
  else delete drafts[roomId];
  write(userId, drafts);
}

/** One account's drafts, for the sign-in page. */
export function storedDrafts(userId: number): Draft[] {
  return Object.entries(read(userId)).map(([roomId, d]) => ({ roomId, text: d.text, title: d.title }));
}

/** Every account's drafts kept in this browser. */
export function allStoredDrafts(): { userId: number; drafts: Draft[] }[] {
  const out: { userId: number; drafts: Draft[] }[] = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const match = /^redis-chat:drafts:(\d+)$/.exec(localStorage.key(i) ?? "");
      if (!match) continue;
      const drafts = storedDrafts(Number(match[1]));
      if (drafts.length) out.push({ userId: Number(match[1]), drafts });
    }
  } catch {
    // Storage disabled.
  }
  return out;
}

/** Forgets one account's drafts (the person chose to, on the sign-in page). */
export function forgetDrafts(userId: number): void {
  write(userId, {});
}
