import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Redis } from "../redis/connection.js";
import { keys } from "../redis/keys.js";

export interface LoginLimitOptions {
  /** Failed sign-ins allowed per (username, client address) per window; 0 turns it off. */
  perNameAndAddress: number;
  /** Failed sign-ins allowed per client address, across all names, per window; 0 turns it off. */
  perAddress: number;
  windowMs: number;
  /** How long an address that went over `perAddress` is refused (ms): longer than the window. */
  addressBlockMs: number;
}

/**
 * Sign-in limits that count FAILED attempts, by rate-limiter-flexible's Redis limiter (shared by
 * every instance, node-redis client):
 *
 * - per (username in lower case, client address): a guesser is slowed down on the names it tries,
 *   while the real owner, signing in from their own address, is not affected; a success clears it.
 * - per client address, across names: an address failing on many names is blocked for longer
 *   (`addressBlockMs`).
 *
 * The client address is the socket's, or X-Forwarded-For's only when TRUST_PROXY is set
 * (Fastify's `trustProxy`, request.ip). An attempt is counted against its (name, address) before
 * the password is checked (so parallel guesses cannot all slip in before the first failure is
 * recorded) and given back when it does not fail. Keys: `ratelimit:login-fail:*`.
 */
export class LoginLimits {
  private readonly byNameAndAddress: RateLimiterRedis | undefined;
  private readonly byAddress: RateLimiterRedis | undefined;

  constructor(redis: Redis, options: LoginLimitOptions) {
    const duration = Math.max(1, Math.ceil(options.windowMs / 1000));
    const common = { storeClient: redis, useRedisPackage: true, duration };
    if (options.perNameAndAddress > 0) {
      this.byNameAndAddress = new RateLimiterRedis({
        ...common,
        keyPrefix: `${keys.loginFailuresPrefix}:name`,
        points: options.perNameAndAddress,
      });
    }
    if (options.perAddress > 0) {
      this.byAddress = new RateLimiterRedis({
        ...common,
        keyPrefix: `${keys.loginFailuresPrefix}:addr`,
        points: options.perAddress,
      });
      this.addressBlockSeconds = Math.max(duration, Math.ceil(options.addressBlockMs / 1000));
    }
  }

  private readonly addressBlockSeconds: number = 0;

  /**
   * Before checking a password: the ms to wait when this (name, address) or this address is over
   * its limit (the attempt is refused), else 0 and the attempt is provisionally counted. Follow it
   * with `failed`, `succeeded` or `notFailed`. Redis errors propagate (the route answers 503).
   */
  async begin(username: string, address: string): Promise<number> {
    if (this.byAddress) {
      const state = await this.byAddress.get(address);
      if (state && state.consumedPoints >= this.byAddress.points) return Math.max(1, state.msBeforeNext);
    }
    if (!this.byNameAndAddress) return 0;
    try {
      await this.byNameAndAddress.consume(pairKey(username, address));
      return 0;
    } catch (err) {
      if (err instanceof RateLimiterRes) return Math.max(1, err.msBeforeNext);
      throw err;
    }
  }

  /**
   * A wrong password: it stays counted for the pair, and counts for the address; the address's
   * last allowed failure blocks it for `addressBlockMs`.
   */
  async failed(_username: string, address: string): Promise<void> {
    if (!this.byAddress) return;
    let consumed: number;
    try {
      consumed = (await this.byAddress.consume(address)).consumedPoints;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      consumed = err.consumedPoints;
    }
    if (consumed >= this.byAddress.points) await this.byAddress.block(address, this.addressBlockSeconds);
  }

  /** Signed in (or registered): the pair's failures are forgotten. */
  async succeeded(username: string, address: string): Promise<void> {
    await this.byNameAndAddress?.delete(pairKey(username, address));
  }

  /** Neither success nor a wrong password (a refused new password): the attempt is given back. */
  async notFailed(username: string, address: string): Promise<void> {
    await this.byNameAndAddress?.reward(pairKey(username, address));
  }
}

const pairKey = (username: string, address: string) => `${username.toLowerCase()}|${address}`;
