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

/**
 * A write refused for going over a budget: HTTP answers 429 with `Retry-After` and `retryAfter`
 * (seconds) in the body, the socket `{ok: false, error}` with the same sentence.
 */
export class RateLimited extends Error {
  readonly statusCode = 429;
  readonly retryAfterSeconds: number;
  constructor(what: string, retryAfterMs: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(`${what}; try again in ${seconds} seconds`);
    this.retryAfterSeconds = seconds;
  }
}

/**
 * A per-user budget of some kind of write (`points` per `windowMs`, 0 = off), counted in Redis by
 * rate-limiter-flexible so every instance and every transport (REST, socket) draw from the same
 * one. Keys: `ratelimit:{name}:{userId}`.
 */
export class UserBudget {
  private readonly limiter: RateLimiterRedis | undefined;

  constructor(redis: Redis, name: string, options: { points: number; windowMs: number }) {
    if (options.points <= 0) return;
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      useRedisPackage: true,
      keyPrefix: `${keys.rateLimitPrefix}:${name}`,
      points: options.points,
      duration: Math.max(1, Math.ceil(options.windowMs / 1000)),
    });
  }

  /** Takes one point: 0 when allowed, else the ms until one is free (nothing taken). */
  async take(userId: number): Promise<number> {
    if (!this.limiter) return 0;
    try {
      await this.limiter.consume(String(userId));
      return 0;
    } catch (err) {
      if (err instanceof RateLimiterRes) return Math.max(1, err.msBeforeNext);
      throw err;
    }
  }

  /** Gives back the point just taken (the write was refused for another reason). */
  async giveBack(userId: number): Promise<void> {
    await this.limiter?.reward(String(userId));
  }
}
