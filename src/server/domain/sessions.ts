import { randomBytes } from "node:crypto";
import { z } from "zod";
import { SessionUser, type SessionEnded, type SessionInfo } from "../../protocol/index.js";
import { scanKeys, type Redis } from "../redis/connection.js";
import { keys } from "../redis/keys.js";
import { publishEnvelope, type PubSubMode } from "../redis/bus.js";
import { sessionHandle, SessionsIndex } from "./users/sessions-index.js";

/** What `session:{id}` holds: the seed-shaped `{id, username}` plus when and where it began. */
const StoredSession = SessionUser.extend({
  createdAt: z.number().optional(),
  userAgent: z.string().optional(),
});
type StoredSession = z.infer<typeof StoredSession>;

/** How often a session's "last seen" is written at most (per instance). */
const TOUCH_EVERY_MS = 60_000;

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
  async create(user: SessionUser, details: { userAgent?: string } = {}): Promise<string> {
    const sessionId = randomBytes(24).toString("base64url");
    const now = Date.now();
    const record: StoredSession = { id: user.id, username: user.username, createdAt: now };
    if (details.userAgent) record.userAgent = details.userAgent.slice(0, 200);
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
    await this.redis.del(keys.session(sessionId));
    if (record) await this.ended(record.id, [sessionId]);
  }

  /** The user's live sessions, most recently seen first; `currentSessionId` is flagged `current`. */
  async list(userId: number, currentSessionId: string | null): Promise<SessionInfo[]> {
    const members = await this.index.members(userId);
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
        current: m.sessionId === currentSessionId,
      }];
    });
  }

  /** Ends the user's session with this handle; false when there is none. */
  async endByHandle(userId: number, handle: string): Promise<boolean> {
    const member = (await this.index.members(userId)).find((m) => sessionHandle(m.sessionId) === handle);
    if (!member) return false;
    const existed = await this.redis.del(keys.session(member.sessionId));
    await this.ended(userId, [member.sessionId]);
    return existed > 0;
  }

  /**
   * Ends every session of the user (but `exceptSessionId`, when given) and closes every socket of
   * them on every instance. For "sign out everywhere", a ban, a password change. Returns how many
   * sessions were ended.
   */
  async endAll(userId: number, exceptSessionId?: string, cause?: SessionEnded["cause"]): Promise<number> {
    const sessionIds = (await this.index.members(userId)).map((m) => m.sessionId).filter((id) => id !== exceptSessionId);
    if (sessionIds.length === 0) return 0;
    const deleted = await Promise.all(sessionIds.map((id) => this.redis.del(keys.session(id))));
    await this.ended(userId, sessionIds, cause);
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

  private async ended(userId: number, sessionIds: string[], cause?: SessionEnded["cause"]): Promise<void> {
    for (const id of sessionIds) this.touched.delete(id);
    const event: SessionEnded = { userId, sessions: sessionIds.map(sessionHandle), ...(cause ? { cause } : {}) };
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
 * Ends every session of a user and closes every socket of those sessions on every instance (the
 * `session.ended` envelope): what a ban or a password change calls. Resolves to how many sessions
 * were ended. Same as `ctx.sessions.endAll(userId)`.
 */
export function endAllSessions(ctx: { sessions: Sessions }, userId: number): Promise<number> {
  return ctx.sessions.endAll(userId);
}
