import { parsePrivateRoomId } from "../../../protocol/index.js";
import { messageIdFromMicros } from "../../domain/message-ids.js";
import type { Logger } from "../../logger.js";
import type { ChatMetrics } from "../../observability/metrics.js";
import { channelSubject, type PubSubMode } from "../../redis/bus.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { RESYNC_MARGIN_MS, type PubSubBridge } from "../bridge.js";
import type { LocalDelivery } from "../delivery.js";
import { ChannelSubscriptions, type RestoredChannels } from "./channel-subscriptions.js";
import { BusInterest } from "./interest.js";
import { OpeningRooms } from "./opening-rooms.js";
import type { Messages } from "../../domain/messages.js";

export interface ShardedBusOptions {
  mode: PubSubMode;
  /** Commands (probes, publications). */
  redis: Redis;
  /** The subscriber connection, or the cluster client. */
  subscriber: Redis;
  serverId: string;
  releaseDelayMs: number;
  bridge: PubSubBridge;
  delivery: LocalDelivery;
  /** History, read when a new private room opens here (OpeningRooms). */
  messages: Messages;
  log: Logger;
  metrics?: ChatMetrics;
}

/**
 * Wires the sharded bus into an instance (PUBSUB_MODE sharded or both; in seed mode the interest
 * is inert): envelopes heard on sharded channels go to the bridge like those on `MESSAGES`; a lost
 * channel, once heard again, sends `resync` to the sockets it covered (a room's members, a person,
 * or everyone for the global channel); a new private room's members are told on their own
 * channels, and hear the room's channel before their sockets hear of the room.
 */
export function createShardedBus(o: ShardedBusOptions): BusInterest {
  if (o.mode === "seed") return new BusInterest(undefined, o.redis);
  const channels = new ChannelSubscriptions({
    subscriber: o.subscriber,
    publisher: o.redis,
    serverId: o.serverId,
    releaseDelayMs: o.releaseDelayMs,
    onEnvelope: (raw) => o.bridge.receive(raw),
    onRestored: (restored) => resyncRestored(o, restored),
    log: o.log,
    metrics: o.metrics,
  });
  const interest = new BusInterest(channels, o.redis);
  const opening = new OpeningRooms(o.messages, (message) => o.delivery.messageNow(message), o.log);
  o.delivery.holdBack = (message) => opening.holdBack(message);
  o.bridge.showRoomHandler = (room, memberIds) => {
    const local = memberIds.filter((id) => interest.holds(id));
    if (local.length === 0) return false;
    if (opening.openedLately(room.id)) return true;
    void opening.open(room.id, async () => {
      await Promise.all(local.map((id) => interest.addRoom(id, room.id)));
      o.delivery.showRoom(room, memberIds);
    });
    return true;
  };
  o.delivery.roomOpenedElsewhere = async (room) => {
    const members = parsePrivateRoomId(room.id) ?? [];
    // Members here hear the room from now on; elsewhere, on their own channels (not on MESSAGES:
    // the store script gave seed servers their show.room).
    await Promise.all(members.map((id) => interest.addRoom(id, room.id))).catch(() => {});
    await o.bridge
      .publish("show.room", room, members.map((id) => keys.userChannel(id)), false)
      .catch((err: unknown) => o.log.warn({ err: String(err), roomId: room.id }, "could not announce a new private room to other instances"));
  };
  if (o.metrics) o.metrics.sources.busSubscriptions = () => interest.subscriptions;
  return interest;
}

function resyncRestored(o: ShardedBusOptions, restored: RestoredChannels): void {
  const since = messageIdFromMicros((restored.sinceMs - RESYNC_MARGIN_MS) * 1000);
  // Room changes may have been missed too: caches forget.
  o.bridge.restored();
  const rooms: string[] = [];
  const users: number[] = [];
  for (const channel of restored.channels) {
    const subject = channelSubject(channel);
    if (!subject) continue;
    if ("global" in subject) return o.delivery.resync(since);
    if ("room" in subject) rooms.push(subject.room);
    else users.push(subject.user);
  }
  o.delivery.resyncSome(rooms, users, since);
}
