import { randomBytes } from "node:crypto";
import { z } from "zod";
import {
  SESSION_GONE_NOTICES, SessionEndedCode, SessionUser, type SessionEnded, type SessionEndedHeader, type SessionGone, type SessionInfo,
} from "../../protocol/index.js";
import { scanKeys, type Redis } from "../redis/connection.js";
import { keys } from "../redis/keys.js";
import { publishEnvelope, type PubSubMode } from "../redis/bus.js";
import { sessionHandle, SessionsIndex } from "./users/sessions-index.js";

/** What `session:{id}` holds: the seed-shaped `{id, username}` plus when and where it began. */
const StoredSession = SessionUser.extend({
  createdAt: z.number().optional(),
  userAgent: z.string().optional(),
  /** The client's address at sign-in (behind a proxy, as TRUST_PROXY reads it). */
  address: z.string().optional(),
});
type StoredSession = z.infer<typeof StoredSession>;

/** How often a session's "last seen" is written at most (per instance). */
const TOUCH_EVERY_MS = 60_000;

/**
 * Why sessions are ended, for their open pages: `code` (see SessionEndedCode), the session that
 * asked (`bySessionId`: its own other tabs are told "signed out in another tab"), a ban's reason.
 */
export interface EndedWhy {
  code: SessionEndedCode;
  bySessionId?: string | undefined;
  detail?: string | undefined;
}

/** What `sessions:ended:{handle}` holds: why the session was ended, whose it was, when (ms). */
const EndedRecord = z.object({ userId: z.number(), code: SessionEndedCode, detail: z.string().optional(), at: z.number() });
type EndedRecord = z.infer<typeof EndedRecord>;

/**
 * The code a session's own pages are told: the session that asked for an ending (its other tabs)
 * signed out here, unless it was a ban or deactivation (not theirs to ask). As closeSessionSockets says it.
 */
function codeFor(sessionId: string, why: EndedWhy): SessionEndedCode {
  const own = why.bySessionId === sessionId && (why.code === "ended-elsewhere" || why.code === "password-changed" || why.code === "signed-out");
  return own ? "signed-out" : why.code;
}

/** Told of every session ended on this instance; a promise it returns is awaited before the ending is done. */
export type SessionsEndedListener = (ended: SessionEnded) => unknown;

/**
 * Login sessions: `session:{id}` -> `{id, username, createdAt, userAgent}` with a fixed lifetime,
 * indexed per user (`SessionsIndex`). Ending sessions deletes them and then announces it: to this
 * instance's listeners (the realtime layer disconnects their sockets) and to every other instance
 * as a `session.ended` envelope on `MESSAGES`, so no socket of an ended session stays open anywhere.
 */
export class Sessions {
  private readonly index: SessionsIndex;
  private readonly listeners = new Set<SessionsEndedListener>();
  /** sessionId -> when this instance last wrote its "last seen". */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly serverId = "",
    private readonly bus: PubSubMode = "seed",
  ) {
    this.index = new SessionsIndex(redis, ttlSeconds);
  }

  /** Starts a session for `user`; returns its id (the cookie's value). */
  async create(user: SessionUser, details: { userAgent?: string; address?: string } = {}): Promise<string> {
    const sessionId = randomBytes(24).toString("base64url");
    const now = Date.now();
    const record: StoredSession = { id: user.id, username: user.username, createdAt: now };
    if (details.userAgent) record.userAgent = details.userAgent.slice(0, 200);
    if (details.address) record.address = details.address.slice(0, 64);
    await Promise.all([
      this.redis.set(keys.session(sessionId), JSON.stringify(record), { expiration: { type: "EX", value: this.ttlSeconds } }),
      this.index.add(user.id, sessionId, now),
    ]);
    return sessionId;
  }

  async get(sessionId: string): Promise<SessionUser | undefined> {
    const record = await this.read(sessionId);
    return record ? { id: record.id, username: record.username } : undefined;
  }

  private async read(sessionId: string): Promise<StoredSession | undefined> {
    if (!/^[A-Za-z0-9_-]{32}$/.test(sessionId)) return undefined;
    const raw = await this.redis.get(keys.session(sessionId));
    if (!raw) return undefined;
    try {
      const parsed = StoredSession.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /** Records that the session was used, at most once a minute per instance; never throws. */
  touch(sessionId: string, userId: number): void {
    const now = Date.now();
    if (now - (this.touched.get(sessionId) ?? 0) < TOUCH_EVERY_MS) return;
    if (this.touched.size > 50_000) this.touched.clear();
    this.touched.set(sessionId, now);
    this.index.touch(userId, sessionId, now).catch(() => {});
  }

  /** `POST /logout`: ends one session (and its sockets everywhere). */
  async destroy(sessionId: string): Promise<void> {
    const record = await this.read(sessionId);
    if (record) await this.end(record.id, [sessionId], { code: "signed-out", bySessionId: sessionId });
    else await this.redis.del(keys.session(sessionId));
  }

  /**
   * Why the session `sessionId` (a cookie's, no longer there) is gone: how it was ended, while its
   * lifetime lasts (see `end`), else `expired`. `stillClosed` says whether a ban or deactivation
   * still holds: one lifted since is left unsaid (the person may sign in again, and is told only
   * that the session was ended elsewhere).
   */
  async whyGone(sessionId: string, stillClosed: (code: "banned" | "deactivated", userId: number) => Promise<boolean>): Promise<SessionGone> {
    const record = await this.endedRecord(sessionId);
    if (!record) return { code: "expired", reason: SESSION_GONE_NOTICES.expired };
    if ((record.code === "banned" || record.code === "deactivated") && !(await stillClosed(record.code, record.userId))) {
      return { code: "ended-elsewhere", reason: SESSION_GONE_NOTICES["ended-elsewhere"] };
    }
    return {
      code: record.code,
      reason: SESSION_GONE_NOTICES[record.code],
      ...(record.code === "banned" && record.detail ? { detail: record.detail } : {}),
    };
  }

  /** Whose the ended session `sessionId` was, while its ending is remembered. */
  async endedOwner(sessionId: string): Promise<number | undefined> {
    return (await this.endedRecord(sessionId))?.userId;
  }

  private async endedRecord(sessionId: string): Promise<EndedRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{32}$/.test(sessionId)) return undefined;
    const raw = await this.redis.get(keys.endedSession(sessionHandle(sessionId)));
    if (!raw) return undefined;
    try {
      const parsed = EndedRecord.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The user's live sessions, `currentSessionId` first (flagged `current`, last seen now: this very
   * request uses it, though its recorded time may be up to a minute old, or still being written),
   * then the others, most recently seen first.
   */
  async list(userId: number, currentSessionId: string | null, now = Date.now()): Promise<SessionInfo[]> {
    const members = (await this.index.members(userId))
      .map((m) => (m.sessionId === currentSessionId ? { ...m, lastSeenAt: now } : m))
      .sort((a, b) => Number(b.sessionId === currentSessionId) - Number(a.sessionId === currentSessionId) || b.lastSeenAt - a.lastSeenAt);
    const records = await Promise.all(members.map((m) => this.read(m.sessionId)));
    const gone = members.filter((_, i) => !records[i] || records[i]!.id !== userId).map((m) => m.sessionId);
    if (gone.length) await this.index.remove(userId, gone);
    return members.flatMap((m, i) => {
      const record = records[i];
      if (!record || record.id !== userId) return [];
      return [{
        handle: sessionHandle(m.sessionId),
        createdAt: record.createdAt ?? null,
        lastSeenAt: m.lastSeenAt || null,
        userAgent: record.userAgent ?? null,
        address: record.address ?? null,
        current: m.sessionId === currentSessionId,
      }];
    });
  }

  /** Ends the user's session with this handle (from the session `bySessionId`); false when there is none. */
  async endByHandle(userId: number, handle: string, bySessionId?: string): Promise<boolean> {
    const member = (await this.index.members(userId)).find((m) => sessionHandle(m.sessionId) === handle);
    if (!member) return false;
    return (await this.end(userId, [member.sessionId], { code: "ended-elsewhere", bySessionId })) > 0;
  }

  /**
   * Ends every session of the user (but `exceptSessionId`, when given) and closes every socket of
   * them on every instance. For "sign out everywhere", a ban, a password change. Returns how many
   * sessions were ended. `why` is what their open pages are told (by default: signed out elsewhere).
   */
  async endAll(userId: number, exceptSessionId?: string, why: EndedWhy = { code: "ended-elsewhere" }): Promise<number> {
    const sessionIds = (await this.index.members(userId)).map((m) => m.sessionId).filter((id) => id !== exceptSessionId);
    if (sessionIds.length === 0) return 0;
    return this.end(userId, sessionIds, why);
  }

  /**
   * Ends these sessions of the user: remembers why (so a page that was offline, asleep or
   * unreachable, and so never heard `session.ended`, is told when it presents its cookie again),
   * deletes them, then announces it. Why is remembered, by the session's handle, for as long as
   * the session had left to live: as long as its cookie can still be presented (both were given
   * the same lifetime when it began); later, it would have expired anyway. Returns how many existed.
   */
  private async end(userId: number, sessionIds: string[], why: EndedWhy): Promise<number> {
    const at = Date.now();
    const left = await Promise.all(sessionIds.map((id) => this.redis.pTTL(keys.session(id))));
    await Promise.all(sessionIds.map((id, i) => {
      // -2: gone already (nothing to tell); -1: no expiry (never written so): the full lifetime.
      const ms = left[i] === -1 ? this.ttlSeconds * 1000 : left[i]!;
      if (ms <= 0) return undefined;
      const code = codeFor(id, why);
      const record: EndedRecord = { userId, code, at, ...(code === "banned" && why.detail ? { detail: why.detail.slice(0, 500) } : {}) };
      return this.redis.set(keys.endedSession(sessionHandle(id)), JSON.stringify(record), { expiration: { type: "PX", value: ms } });
    }));
    const deleted = await Promise.all(sessionIds.map((id) => this.redis.del(keys.session(id))));
    await this.ended(userId, sessionIds, why);
    return deleted.reduce((n, d) => n + d, 0);
  }

  /**
   * The one "session ended" hook: called with every session this instance ends, whichever way
   * (sign-out, `DELETE /sessions/:handle`, sign out everywhere, a ban, a password change: all go
   * through destroy / endByHandle / endAll). The realtime layer closes the sessions' sockets; push
   * removes the subscriptions they registered.
   */
  onEnded(listener: SessionsEndedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async ended(userId: number, sessionIds: string[], why: EndedWhy): Promise<void> {
    for (const id of sessionIds) this.touched.delete(id);
    const event: SessionEnded = {
      userId,
      sessions: sessionIds.map(sessionHandle),
      // Older instances know only this cause (and would drop an envelope with another one).
      ...(why.code === "deactivated" ? { cause: "deactivated" as const } : {}),
      code: why.code,
      ...(why.bySessionId ? { by: sessionHandle(why.bySessionId) } : {}),
      ...(why.detail ? { detail: why.detail.slice(0, 500) } : {}),
    };
    const pending = [...this.listeners].map((listener) => listener(event));
    await Promise.all([
      ...pending,
      this.index.remove(userId, sessionIds),
      // To the instances holding the user's sockets (their channel), or on MESSAGES in seed mode.
      publishEnvelope(this.redis, this.bus, JSON.stringify({ serverId: this.serverId, type: "session.ended", data: event }), [keys.userChannel(userId)], false),
    ]);
  }

  /**
   * Indexes the sessions created before the per-user index existed (once per Redis: the first
   * instance to start after the upgrade claims `sessions:indexed` and scans `session:*`).
   */
  async indexExisting(): Promise<number> {
    const claimed = await this.redis.set(keys.sessionsIndexed, String(Date.now()), { condition: "NX" });
    if (claimed === null) return 0;
    let indexed = 0;
    for await (const batch of scanKeys(this.redis, "session:*")) {
      for (const key of batch) {
        const sessionId = key.slice("session:".length);
        const record = await this.read(sessionId);
        if (!record) continue;
        await this.index.add(record.id, sessionId, record.createdAt ?? Date.now());
        indexed++;
      }
    }
    return indexed;
  }
}

/**
 * Why the session a cookie named is gone (see `Sessions.whyGone`), with the account's ban and
 * deactivation as they stand now: for a 401 and a refused handshake.
 */
export function whySessionGone(
  ctx: { sessions: Sessions; bans: { isBanned(userId: number): Promise<boolean> }; deactivations: { isDeactivated(userId: number): Promise<boolean> } },
  sessionId: string,
): Promise<SessionGone> {
  return ctx.sessions.whyGone(sessionId, (code, userId) => code === "banned" ? ctx.bans.isBanned(userId) : ctx.deactivations.isDeactivated(userId));
}

/**
 * What `GET /me` says of the session a cookie named, when it is gone (`SESSION_ENDED_HEADER`): why,
 * and whose it was while that is remembered (a page loaded anew fills in the name at sign-in).
 */
export async function sessionEndedHeader(
  ctx: Parameters<typeof whySessionGone>[0] & { users: { usernames(ids: number[]): Promise<Map<number, string>> } },
  sessionId: string,
): Promise<SessionEndedHeader> {
  const [ended, owner] = await Promise.all([whySessionGone(ctx, sessionId), ctx.sessions.endedOwner(sessionId)]);
  const username = owner === undefined ? undefined : (await ctx.users.usernames([owner])).get(owner);
  return { ...ended, ...(owner !== undefined && username ? { user: { id: owner, username } } : {}) };
}

/**
 * Ends every session of a user and closes every socket of those sessions on every instance (the
 * `session.ended` envelope): what a ban or a password change calls. Resolves to how many sessions
 * were ended. Same as `ctx.sessions.endAll(userId, undefined, why)`.
 */
export function endAllSessions(ctx: { sessions: Sessions }, userId: number, why?: EndedWhy): Promise<number> {
  return ctx.sessions.endAll(userId, undefined, why);
}
