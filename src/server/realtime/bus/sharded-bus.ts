import { parsePrivateRoomId } from "../../../protocol/index.js";
import type { Logger } from "../../logger.js";
import type { ChatMetrics } from "../../observability/metrics.js";
import { channelSubject, type PubSubMode } from "../../redis/bus.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { PubSubBridge } from "../bridge.js";
import type { ResyncScope } from "../subscription-recovery.js";
import type { LocalDelivery } from "../delivery.js";
import { ChannelSubscriptions } from "./channel-subscriptions.js";
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
  /** The name of this instance's Redis connections (RedisOptions.clientName): the audit finds its subscribers by it. */
  clientName?: string;
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
 * channel is reported to the bridge's SubscriptionRecovery, which, once it is heard again, sends
 * `resync` to the sockets it covered (a room's members, a person, or everyone for the global one); a new private room's members are told on their own
 * channels, and hear the room's channel before their sockets hear of the room.
 */
export function createShardedBus(o: ShardedBusOptions): BusInterest {
  if (o.mode === "seed") return new BusInterest(undefined, o.redis);
  const channels = new ChannelSubscriptions({
    subscriber: o.subscriber,
    publisher: o.redis,
    serverId: o.serverId,
    releaseDelayMs: o.releaseDelayMs,
    clientName: o.clientName,
    onEnvelope: (raw, channel) => o.bridge.receive(raw, channel),
    lost: (channel, at) => o.bridge.recovery.lost(channel, scopeOf(channel), at),
    restored: (channel) => {
      // Room changes may have been missed too: caches forget.
      o.bridge.restored();
      o.bridge.recovery.restored(channel);
    },
    forgotten: (channel) => o.bridge.recovery.forget(channel),
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
  // Own messages reach this instance's sockets through the room's channel (see PubSubBridge): it is
  // held for the members here before the sender's message is stored (a new private room's too).
  o.delivery.listenToRoom = async (roomId, userIds) => {
    await Promise.all(userIds.map((id) => interest.addRoom(id, roomId)));
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

/** What a lost channel covered: the sockets that catch up once it is back. */
function scopeOf(channel: string): ResyncScope {
  const subject = channelSubject(channel);
  if (!subject || "global" in subject) return "everyone";
  return "room" in subject ? { roomIds: [subject.room] } : { userIds: [subject.user] };
}
