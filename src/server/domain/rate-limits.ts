import type { Redis } from "../redis/connection.js";
import { keys } from "../redis/keys.js";
import { LuaScript } from "../redis/script.js";

/** Fixed-window counter: KEYS[1] counter; ARGV limit, window ms. Returns 0, or ms to wait. */
const HIT = new LuaScript(`
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then ttl = tonumber(ARGV[2]) end
  return ttl
end
return 0
`);

/**
 * Login attempt limits, per username and per client address, kept in Redis so that they hold
 * across instances. (The message rate limit lives in the message store script, in one round trip.)
 */
export class LoginLimits {
  constructor(
    private readonly redis: Redis,
    private readonly perName: number,
    private readonly perAddress: number,
    private readonly windowMs: number,
  ) {}

  /** Counts an attempt; returns the ms until another is allowed, or 0 when this one may proceed. */
  async hit(username: string, address: string): Promise<number> {
    const checks: Promise<unknown>[] = [];
    if (this.perName > 0) checks.push(HIT.run(this.redis, [keys.loginAttemptsByName(username.toLowerCase())], [this.perName, this.windowMs]));
    if (this.perAddress > 0) checks.push(HIT.run(this.redis, [keys.loginAttemptsByAddress(address)], [this.perAddress, this.windowMs]));
    const waits = (await Promise.all(checks)).map(Number);
    return Math.max(0, ...waits);
  }

  /** A successful sign-in clears the username's counter, so a user who typed wrong once is not punished. */
  async clear(username: string): Promise<void> {
    if (this.perName > 0) await this.redis.del(keys.loginAttemptsByName(username.toLowerCase()));
  }
}
