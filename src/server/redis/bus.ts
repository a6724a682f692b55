import type { Redis } from "./connection.js";
import { keys } from "./keys.js";

/**
 * How instances tell each other what happened (PUBSUB_MODE; docs/scaling.md has the cost of each):
 * - `seed`: every envelope on the seed's `MESSAGES` channel (classic pub/sub: every instance
 *   receives everything, and on Redis Cluster every message crosses the cluster bus to every node);
 * - `sharded`: a room's envelopes on its own channel in the room's hash slot (`SPUBLISH`), one
 *   person's on theirs, rare global ones on `{bus}:global`; an instance hears only the channels of
 *   the people it holds sockets of;
 * - `both`: `sharded`, plus a copy of what the seed understands (messages, `show.room`, presence)
 *   on `MESSAGES`, exactly the seed's envelope, for seed servers sharing the Redis, whose own
 *   envelopes are still heard there. Our instances hear our messages twice (once per channel) and
 *   deliver each once (by id; see PubSubBridge); presence and `show.room` twice are harmless.
 */
export type PubSubMode = "sharded" | "both" | "seed";
export const PUBSUB_MODES = ["sharded", "both", "seed"] as const;

/** Envelope types a seed server understands: the only ones `both` copies to `MESSAGES`. */
export const SEED_ENVELOPE_TYPES: ReadonlySet<string> = new Set(["message", "show.room", "user.connected", "user.disconnected"]);

/**
 * Lua: `bus_publish(envelope, seed_understands)` publishes an envelope about the script's room as
 * PUBSUB_MODE says (see PubSubMode). Scripts that publish end their ARGV with `busArgs(...)`: the
 * room's channel and the mode. The channel is in the room's slot, so on Redis Cluster the script's
 * SPUBLISH stays on the master it runs on (one round trip, as before).
 */
export const BUS_PUBLISH_LUA = `
local function bus_publish(envelope, seed_understands)
  local channel, mode = ARGV[#ARGV - 1], ARGV[#ARGV]
  if mode == 'seed' then
    redis.call('PUBLISH', '${keys.messagesChannel}', envelope)
    return
  end
  redis.call('SPUBLISH', channel, envelope)
  if mode == 'both' and seed_understands then redis.call('PUBLISH', '${keys.messagesChannel}', envelope) end
end
`;

/** The two ARGV a publishing script ends with (see BUS_PUBLISH_LUA). */
export function busArgs(mode: PubSubMode, roomId: string): string[] {
  return [keys.roomChannel(roomId), mode];
}

/** The mode when PUBSUB_MODE is not set: sharded on Redis Cluster, both on one Redis (seed servers may share it). */
export function defaultPubSubMode(cluster: boolean): PubSubMode {
  return cluster ? "sharded" : "both";
}

/**
 * Publishes an envelope (its JSON text, `{"serverId":…,"type":…,"data":…}`) from outside a script:
 * on `MESSAGES` in `seed` mode; otherwise SPUBLISHed to each of `channels` (one command each, each
 * routed to its slot's master), plus, in `both` mode and when a seed server understands it
 * (`seedCopy`), the same envelope on `MESSAGES`.
 */
export async function publishEnvelope(redis: Redis, mode: PubSubMode, envelope: string, channels: readonly string[], seedCopy: boolean): Promise<void> {
  if (mode === "seed") {
    await redis.publish(keys.messagesChannel, envelope);
    return;
  }
  const sends: Promise<unknown>[] = channels.map((channel) => redis.sPublish(channel, envelope));
  if (mode === "both" && seedCopy) sends.push(redis.publish(keys.messagesChannel, envelope));
  await Promise.all(sends);
}

/** What a bus channel is about (the inverse of keys.roomChannel / userChannel / globalChannel). */
export type ChannelSubject = { room: string } | { user: number } | { global: true };

const ROOM_CHANNEL = /^\{room:(.+)\}:bus$/;
const USER_CHANNEL = /^\{user:(\d+)\}:bus$/;

export function channelSubject(channel: string): ChannelSubject | undefined {
  if (channel === keys.globalChannel) return { global: true };
  const room = ROOM_CHANNEL.exec(channel);
  if (room) return { room: room[1]! };
  const user = USER_CHANNEL.exec(channel);
  return user ? { user: Number(user[1]) } : undefined;
}
