import { randomBytes } from "node:crypto";
import { SessionUser } from "../../protocol/index.js";
import type { Redis } from "../redis/connection.js";
import { keys } from "../redis/keys.js";

/** Login sessions: `session:{id}` -> `{id, username}` with a sliding-free fixed lifetime. */
export class Sessions {
  constructor(private readonly redis: Redis, private readonly ttlSeconds: number) {}

  async create(user: SessionUser): Promise<string> {
    const sessionId = randomBytes(24).toString("base64url");
    await this.redis.set(keys.session(sessionId), JSON.stringify(user), { expiration: { type: "EX", value: this.ttlSeconds } });
    return sessionId;
  }

  async get(sessionId: string): Promise<SessionUser | undefined> {
    if (!/^[A-Za-z0-9_-]{32}$/.test(sessionId)) return undefined;
    const raw = await this.redis.get(keys.session(sessionId));
    if (!raw) return undefined;
    const parsed = SessionUser.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  async destroy(sessionId: string): Promise<void> {
    await this.redis.del(keys.session(sessionId));
  }
}
