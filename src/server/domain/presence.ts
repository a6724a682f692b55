import type { Redis } from "../redis/connection.js";
import { keys, USER_CONNECTIONS_PREFIX } from "../redis/keys.js";
import { LuaScript } from "../redis/script.js";

/*
 * Presence is counted per connection, per server, in keys that share `online_users`'s hash slot,
 * so each change is one atomic script: a user is in `online_users` (the seed's set) exactly while
 * some live server holds a connection of theirs.
 *
 * Each server keeps its own counts in memory and writes them to Redis as absolute values, never
 * as increments. Writes go out in event order on one connection, so the last one wins and is
 * right; a write that failed (Redis down) is repaired by the next, or by `reconcile`, which
 * rewrites all of this server's counts once Redis is back. A server that dies without cleaning up
 * stops renewing its heartbeat, and any other server then removes its connections (`sweep`).
 */

/**
 * KEYS: user connections, server users, online_users. ARGV: serverId, userId, count here.
 * Returns 1 when the user came online, -1 when they went offline (everywhere), else 0.
 */
const SET_COUNT = new LuaScript(`
if tonumber(ARGV[3]) > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  redis.call('SADD', KEYS[2], ARGV[2])
  return redis.call('SADD', KEYS[3], ARGV[2])
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('HLEN', KEYS[1]) > 0 then return 0 end
return -redis.call('SREM', KEYS[3], ARGV[2])
`);

/**
 * KEYS: server users, online_users. ARGV: serverId, user connections prefix, then pairs of
 * userId and count: every user this server holds. Returns {came online, went offline}.
 */
const RECONCILE = new LuaScript(`
local held, online, offline = {}, {}, {}
for i = 3, #ARGV, 2 do
  local user = ARGV[i]
  held[user] = true
  redis.call('HSET', ARGV[2] .. user, ARGV[1], ARGV[i + 1])
  redis.call('SADD', KEYS[1], user)
  if redis.call('SADD', KEYS[2], user) == 1 then table.insert(online, user) end
end
for _, user in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if not held[user] then
    local conns = ARGV[2] .. user
    redis.call('SREM', KEYS[1], user)
    redis.call('HDEL', conns, ARGV[1])
    if redis.call('HLEN', conns) == 0 and redis.call('SREM', KEYS[2], user) == 1 then table.insert(offline, user) end
  end
end
return {online, offline}
`);

/** KEYS: heartbeats. ARGV: serverId, ttl ms. Deadline on Redis's clock; 1 when the entry was missing. */
const HEARTBEAT = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
`);

/**
 * KEYS: heartbeats, online_users. ARGV: the prefix of user connection keys, the prefix of server
 * user keys, [a serverId to remove now, for a clean shutdown]. Removes every server whose heartbeat
 * expired; returns the ids of users who thereby went offline.
 */
const SWEEP = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[3] then table.insert(dead, ARGV[3]) end
local offline = {}
for _, server in ipairs(dead) do
  local server_users = ARGV[2] .. server
  for _, user in ipairs(redis.call('SMEMBERS', server_users)) do
    local conns = ARGV[1] .. user
    redis.call('HDEL', conns, server)
    if redis.call('HLEN', conns) == 0 and redis.call('SREM', KEYS[2], user) == 1 then
      table.insert(offline, user)
    end
  end
  redis.call('DEL', server_users)
  redis.call('ZREM', KEYS[1], server)
end
return offline
`);

export interface PresenceChanges {
  online: number[];
  offline: number[];
}

export class Presence {
  /** userId -> connections open on this server. The truth that Redis mirrors. */
  private readonly local = new Map<number, number>();
  private stale = false;

  constructor(private readonly redis: Redis, private readonly serverId: string, private readonly ttlMs: number) {}

  /** Counts one more connection of the user here; resolves true when they were offline everywhere. */
  async connect(userId: number): Promise<boolean> {
    this.local.set(userId, (this.local.get(userId) ?? 0) + 1);
    return (await this.write(userId)) === 1;
  }

  /** Counts a closed connection; resolves true when it was the user's last on every server. */
  async disconnect(userId: number): Promise<boolean> {
    const left = (this.local.get(userId) ?? 1) - 1;
    if (left > 0) this.local.set(userId, left);
    else this.local.delete(userId);
    return (await this.write(userId)) === -1;
  }

  /**
   * Open connections of a user on every instance: this server's own count (exact, in memory) plus
   * the counts other servers wrote in `{online_users}:user:{id}` (one HGETALL; a crashed server's
   * entry stays until it is swept, PRESENCE_TTL_MS at most).
   */
  async connectionCount(userId: number): Promise<number> {
    const perServer = await this.redis.hGetAll(keys.userConnections(userId));
    let total = this.local.get(userId) ?? 0;
    for (const [server, count] of Object.entries(perServer)) if (server !== this.serverId) total += Number(count) || 0;
    return total;
  }

  /** True while this server holds at least one connection of the user. */
  holds(userId: number): boolean {
    return (this.local.get(userId) ?? 0) > 0;
  }

  /**
   * Puts a user this server still holds back into `online_users` after another server took them
   * out (a seed server removes a user on its own disconnect, knowing nothing of our connections).
   * Resolves true when they had been removed, i.e. others were told they went offline.
   */
  async restoreOnline(userId: number): Promise<boolean> {
    if (!this.holds(userId)) return false;
    return (await this.redis.sAdd(keys.onlineUsers, String(userId))) === 1;
  }

  /** True when a write failed since the last reconcile: Redis may not match this server's counts. */
  get needsReconcile(): boolean {
    return this.stale;
  }

  /** Rewrites every count this server holds (and removes what it no longer holds). */
  async reconcile(): Promise<PresenceChanges> {
    this.stale = false;
    const pairs: string[] = [];
    for (const [userId, count] of this.local) pairs.push(String(userId), String(count));
    try {
      const [online, offline] = (await RECONCILE.run(
        this.redis,
        [keys.serverUsers(this.serverId), keys.onlineUsers],
        [this.serverId, USER_CONNECTIONS_PREFIX, ...pairs],
      )) as [string[], string[]];
      return { online: online.map(Number), offline: offline.map(Number) };
    } catch (err) {
      this.stale = true;
      throw err;
    }
  }

  /** Renews this server's heartbeat; true when it had expired or was swept (counts must be rewritten). */
  async heartbeat(): Promise<boolean> {
    return (await HEARTBEAT.run(this.redis, [keys.serverHeartbeats], [this.serverId, this.ttlMs])) === 1;
  }

  /** Cleans up after servers whose heartbeat expired (and this one, on shutdown). */
  async sweep(includeSelf = false): Promise<number[]> {
    const args = [USER_CONNECTIONS_PREFIX, keys.serverUsers(""), ...(includeSelf ? [this.serverId] : [])];
    const offline = (await SWEEP.run(this.redis, [keys.serverHeartbeats, keys.onlineUsers], args)) as string[];
    return offline.map(Number);
  }

  /** One page of online user ids (SSCAN of `online_users`, about `count`) and the next cursor ("0": the last page). */
  async onlinePage(cursor: string, count: number): Promise<{ ids: number[]; next: string }> {
    const page = await this.redis.sScan(keys.onlineUsers, cursor, { COUNT: count });
    return { ids: page.members.map(Number).filter((id) => Number.isSafeInteger(id) && id > 0), next: String(page.cursor) };
  }

  async onlineIds(): Promise<number[]> {
    return (await this.redis.sMembers(keys.onlineUsers)).map(Number).filter((id) => Number.isSafeInteger(id) && id > 0);
  }

  private async write(userId: number): Promise<number> {
    try {
      const count = this.local.get(userId) ?? 0;
      return Number(
        await SET_COUNT.run(
          this.redis,
          [keys.userConnections(userId), keys.serverUsers(this.serverId), keys.onlineUsers],
          [this.serverId, userId, count],
        ),
      );
    } catch (err) {
      this.stale = true;
      throw err;
    }
  }
}
