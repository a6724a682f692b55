import type { Redis } from "../redis/connection.js";
import { keys, USER_CONNECTIONS_PREFIX } from "../redis/keys.js";
import { LuaScript } from "../redis/script.js";

/*
 * Presence is counted per connection, per server, in keys that share `online_users`'s hash slot,
 * so each change is one atomic script: a user is in `online_users` (the seed's set) exactly while
 * some live server holds a connection of theirs. A server that dies without cleaning up stops
 * renewing its heartbeat; any other server then removes its connections.
 */

/** KEYS: user connections, server users, online_users. ARGV: serverId, userId. Returns 1 when the user came online. */
const CONNECT = new LuaScript(`
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('SADD', KEYS[2], ARGV[2])
return redis.call('SADD', KEYS[3], ARGV[2])
`);

/** Same keys and arguments. Returns 1 when that was the user's last connection anywhere. */
const DISCONNECT = new LuaScript(`
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if left > 0 then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('HLEN', KEYS[1]) > 0 then return 0 end
return redis.call('SREM', KEYS[3], ARGV[2])
`);

/** KEYS: heartbeats. ARGV: serverId, ttl ms. The deadline is on Redis's clock. */
const HEARTBEAT = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return now
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

export class Presence {
  constructor(private readonly redis: Redis, private readonly serverId: string, private readonly ttlMs: number) {}

  /** Records one more connection of the user; true when they were offline before. */
  async connect(userId: number): Promise<boolean> {
    return (await CONNECT.run(this.redis, this.keysFor(userId), [this.serverId, userId])) === 1;
  }

  /** Records a closed connection; true when it was the user's last on every server. */
  async disconnect(userId: number): Promise<boolean> {
    return (await DISCONNECT.run(this.redis, this.keysFor(userId), [this.serverId, userId])) === 1;
  }

  async heartbeat(): Promise<void> {
    await HEARTBEAT.run(this.redis, [keys.serverHeartbeats], [this.serverId, this.ttlMs]);
  }

  /** Cleans up after servers whose heartbeat expired (and this one, on shutdown). */
  async sweep(includeSelf = false): Promise<number[]> {
    const args = [USER_CONNECTIONS_PREFIX, keys.serverUsers(""), ...(includeSelf ? [this.serverId] : [])];
    const offline = (await SWEEP.run(this.redis, [keys.serverHeartbeats, keys.onlineUsers], args)) as string[];
    return offline.map(Number);
  }

  async onlineIds(): Promise<number[]> {
    return (await this.redis.sMembers(keys.onlineUsers)).map(Number).filter((id) => Number.isSafeInteger(id) && id > 0);
  }

  private keysFor(userId: number): string[] {
    return [keys.userConnections(userId), keys.serverUsers(this.serverId), keys.onlineUsers];
  }
}
