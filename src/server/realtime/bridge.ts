import {
  Envelope,
  MESSAGE_ID_PATTERN,
  parsePrivateRoomId,
  PresenceUser,
  RoomChange,
  RoomSummary,
  SessionEnded,
  Typing,
  type ChatMessage,
} from "../../protocol/index.js";
import { randomUUID } from "node:crypto";
import { normalizeMessage } from "../domain/messages.js";
import type { Logger } from "../logger.js";
import type { ChatMetrics } from "../observability/metrics.js";
import type { Redis } from "../redis/connection.js";
import { keys } from "../redis/keys.js";
import { channelSubject, publishEnvelope, SEED_ENVELOPE_TYPES, type PubSubMode } from "../redis/bus.js";
import type { NodeFailures } from "../redis/node-failures.js";
import type { ChannelSubscriber } from "../redis/subscriber.js";
import type { LocalDelivery } from "./delivery.js";
import { SubscriptionRecovery } from "./subscription-recovery.js";
import { rawMemberText } from "./raw-json.js";
import { normalizeShowRoom } from "./seed-shapes.js";

/**
 * What the bridge asks the rest of the instance about other servers' presence envelopes (see
 * seed-interop.ts). `userDisconnected` returns true when the event is wrong for this instance's
 * sockets (it still holds the user) and must not be delivered.
 */
export interface ForeignPresenceHooks {
  userConnected(user: PresenceUser): void;
  userDisconnected(user: PresenceUser): boolean;
}

type OutgoingType = "message" | "user.connected" | "user.disconnected" | "show.room" | "probe" | "typing" | "room.change" | "pins.updated" | "account.change";

/** A handler for an envelope type of ours, registered by the module that owns it (see `on`). */
export type EnvelopeHandler = (data: unknown, serverId: string) => void;

/** How often to check, while the subscription is down, whether it is back. */
const PROBE_EVERY_MS = 250;
/** How long the `once` id of an envelope published to several channels is remembered, to apply it once. */
const DUPLICATE_WINDOW_MS = 10_000;
/**
 * How long the last message envelope is recognised by its text alone (see repeatOfLastMessage): no
 * longer than LocalDelivery remembers a delivered message, so a repeat skipped here is one that
 * delivery would have dropped too.
 */
const REPEAT_WINDOW_MS = 5000;
/** The name of the `MESSAGES` subscription in SubscriptionRecovery. */
const MESSAGES_SUBSCRIPTION = "MESSAGES";

/**
 * The seed's pub/sub bridge: every instance publishes what happens on it as `{serverId, type, data}`
 * and hands other instances' envelopes to its own sockets, scoped to the room's members. Messages
 * are published by the store script itself (same round trip). Where envelopes go is PUBSUB_MODE's
 * (redis/bus.ts): `MESSAGES` (seed), or the sharded channel of the room, person or everyone
 * (sharded), or both; sharded channels are held by realtime/bus and their envelopes come here too.
 *
 * Pub/sub keeps nothing: what is published while this server's subscription is down never reaches
 * it. So when the subscriber connection fails (on Cluster: or moves to another node), the bridge
 * publishes a probe of its own until it hears it back (the subscription is live again), then tells
 * its sockets to catch up on history from just before the break (`resync`, see
 * SubscriptionRecovery). Sharded channels: realtime/bus/ChannelSubscriptions, by the same rule. On Cluster, a master that fails may also have acknowledged messages whose
 * publication never crossed the cluster bus to `MESSAGES`: every socket catches up once its slots are served again
 * (seed and both modes; with the sharded bus, only the sockets of the channels held on that master).
 */
export class PubSubBridge {
  /** How our own envelopes begin (the store script and `publish` both write serverId first). */
  private readonly ownPrefix: string;
  /**
   * How this instance's own messages begin (the store script writes them so). They are delivered to
   * this instance's sockets when they come back through pub/sub, not when stored: Redis publishes a
   * room's messages in stored order to every subscriber, so every socket on every instance gets a
   * room's messages in id order and a client's newest id is a cursor that skips nothing (a message
   * stored here could otherwise overtake one stored a moment before on another instance, still on
   * its way). In sharded mode the room's channel is held before the store (MessageSink.listenTo).
   */
  private readonly ownMessagePrefix: string;
  /** The store script publishes a new private room's `show.room` right before its first message. */
  private readonly ownShowRoomPrefix: string;
  /** roomId -> the store script's `show.room`, shown when the room's first message comes back. */
  private readonly ownShowRooms = new Map<string, RoomSummary>();
  /** Every lost subscription of this instance ends in a resync through it (bus: sharded ones too). */
  readonly recovery: SubscriptionRecovery;
  private probe: { token: string; timer: NodeJS.Timeout } | undefined;
  private started = false;
  /** Envelope types of ours beyond the seed's, each handled by the module that owns it. */
  private readonly handlers = new Map<string, EnvelopeHandler>();
  private readonly restoredListeners: (() => void)[] = [];
  private readonly privateRoomListeners: ((room: RoomSummary) => void)[] = [];
  /** Called with another instance's `session.ended` (the gateway closes those sessions' sockets, the app their /stream). */
  readonly sessionEndedListeners: ((ended: SessionEnded) => void)[] = [];
  private hooks: ForeignPresenceHooks | undefined;
  /** Kinds of envelope already logged as not understood: each is logged once per process. */
  private readonly loggedKinds = new Set<string>();
  /**
   * The last message envelope handled and when: with PUBSUB_MODE=both every message comes twice in
   * a row (the room's channel, then MESSAGES, published together by the store script), and the
   * second copy is known by its text instead of being parsed and validated again.
   */
  private lastMessage: { raw: string; at: number } | undefined;
  /** `once` ids of multi-channel envelopes applied lately -> when they are forgotten (ms). */
  private readonly recentMulti = new Map<string, number>();
  /**
   * Set by the sharded bus: takes over a new private room's `show.room` (returns true) when this
   * instance holds a member, to hear the room's channel before showing it (see OpeningRooms).
   */
  showRoomHandler: ((room: RoomSummary, memberIds: number[]) => boolean) | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: ChannelSubscriber,
    private readonly serverId: string,
    private readonly delivery: LocalDelivery,
    private readonly log: Logger,
    private readonly metrics?: ChatMetrics,
    private readonly nodeFailures?: NodeFailures,
    readonly mode: PubSubMode = "seed",
  ) {
    this.ownPrefix = `{"serverId":${JSON.stringify(serverId)},`;
    this.ownMessagePrefix = `${this.ownPrefix}"type":"message",`;
    this.ownShowRoomPrefix = `${this.ownPrefix}"type":"show.room",`;
    this.recovery = new SubscriptionRecovery(delivery, log, metrics);
  }

  /** Whether this instance subscribes to `MESSAGES` (not in `sharded` mode: nothing of ours is there). */
  private get hearsMessagesChannel(): boolean {
    return this.mode !== "sharded";
  }

  /** Handles other instances' envelopes of `type` (a type of ours; the seed's are handled here). */
  on(type: string, handler: EnvelopeHandler): void {
    this.handlers.set(type, handler);
  }

  /** Called with each private room another server announces (`show.room`), after its delivery. */
  onPrivateRoomShown(listener: (room: RoomSummary) => void): void {
    this.privateRoomListeners.push(listener);
  }

  /** Called when the subscription is back after a break: envelopes may have been missed. */
  onRestored(listener: () => void): void {
    this.restoredListeners.push(listener);
  }

  setPresenceHooks(hooks: ForeignPresenceHooks): void {
    this.hooks = hooks;
  }

  /** Logs, once per kind, an envelope this server cannot understand (with a sample of it). */
  private notUnderstood(kind: string, raw: string): void {
    if (this.loggedKinds.has(kind)) return;
    this.loggedKinds.add(kind);
    this.log.warn({ kind, sample: raw.slice(0, 300) }, "dropped envelopes on MESSAGES that this server cannot understand (logged once per kind)");
  }

  async start(): Promise<void> {
    if (this.hearsMessagesChannel) {
      await this.subscriber.subscribe(keys.messagesChannel, (raw) => this.receive(raw));
      this.subscriber.onLost(this.onSubscriptionLost);
    }
    // A failed master's publications may never have crossed the cluster bus to the node `MESSAGES`
    // is heard on: every socket catches up once its slots are served. In `sharded` mode nothing
    // crosses it: the channels this instance held on that master are lost with its connection, and
    // only their sockets (a room's, a person's, everyone's for General or the global channel) catch
    // up, once each is heard again (realtime/bus/ChannelSubscriptions).
    if (this.hearsMessagesChannel) {
      this.nodeFailures?.onFailed(this.onNodeFailed);
      this.nodeFailures?.onServed(this.onNodeServed);
    }
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
    if (!this.hearsMessagesChannel) return;
    clearInterval(this.probe?.timer);
    await this.subscriber.unsubscribe(keys.messagesChannel).catch(() => {});
  }

  private readonly onSubscriptionLost = (at: number) => {
    if (!this.started) return;
    this.recovery.lost(MESSAGES_SUBSCRIPTION, "everyone", at);
    if (this.probe) return;
    const token = randomUUID();
    const probe = JSON.stringify({ serverId: this.serverId, type: "probe", data: token });
    const timer = setInterval(() => void this.redis.publish(keys.messagesChannel, probe).catch(() => {}), PROBE_EVERY_MS);
    timer.unref();
    this.probe = { token, timer };
  };

  private subscriptionRestored(): void {
    clearInterval(this.probe?.timer);
    this.probe = undefined;
    this.restored();
    if (this.recovery.isLost(MESSAGES_SUBSCRIPTION)) this.metrics?.resyncs.inc({ cause: "messages-channel" });
    this.recovery.restored(MESSAGES_SUBSCRIPTION);
  }

  /** Envelopes may have been missed (a subscription was down): tell the listeners (caches). */
  restored(): void {
    for (const listener of this.restoredListeners) listener();
  }

  /**
   * A master failed: what it acknowledged and published in its last moments may not have crossed
   * the cluster bus to the node this instance listens on, and catching up on its rooms needs its
   * slots served again (its replica promoted). So every socket catches up once they are.
   */
  private readonly onNodeFailed = (address: string, at: number) => {
    if (this.started) this.recovery.lost(`node:${address}`, "everyone", at);
  };

  private readonly onNodeServed = (address: string) => {
    this.restored();
    if (this.recovery.isLost(`node:${address}`)) this.metrics?.resyncs.inc({ cause: "node-failure" });
    this.recovery.restored(`node:${address}`);
  };

  /** True while the `MESSAGES` subscription works (readiness; see ChannelSubscriber.live). */
  get live(): boolean {
    if (!this.hearsMessagesChannel) return this.started;
    return this.started && this.subscriber.live;
  }

  /**
   * Publishes an envelope of this instance: on `MESSAGES` (seed mode), or to `channels` (sharded
   * channels: the room's, people's; the global one by default), with a copy on `MESSAGES` in `both`
   * mode for the types a seed server understands.
   */
  async publish(
    type: OutgoingType,
    data: unknown,
    channels: readonly string[] = [keys.globalChannel],
    seedCopy = SEED_ENVELOPE_TYPES.has(type),
  ): Promise<void> {
    // Published to several channels, an instance holding more than one of them hears it more than
    // once: the id (`once`, an extra member) lets it apply the envelope once.
    const once = this.mode !== "seed" && channels.length > 1 ? randomUUID() : undefined;
    const envelope = JSON.stringify({ serverId: this.serverId, type, data, once });
    await publishEnvelope(this.redis, this.mode, envelope, channels, seedCopy);
  }

  /** Envelope types counted by name; anything else (another server's invention) as `other`. */
  private static readonly COUNTED_TYPES = new Set([
    "message", "user.connected", "user.disconnected", "show.room", "probe", "typing", "room.change",
    "message.updated", "message.deleted", "reaction.updated", "session.ended",
  ]);

  private count(type: string, origin: "own" | "other"): void {
    this.metrics?.busEnvelopes.inc({ type: PubSubBridge.COUNTED_TYPES.has(type) ? type : "other", origin });
  }

  /** True when the envelope `once` names was applied within DUPLICATE_WINDOW_MS (heard on another channel). */
  private seenLately(once: string): boolean {
    const now = Date.now();
    if ((this.recentMulti.get(once) ?? 0) > now) return true;
    if (this.recentMulti.size >= 1000) {
      for (const [id, until] of this.recentMulti) if (until <= now) this.recentMulti.delete(id);
    }
    if (this.recentMulti.size < 1000) this.recentMulti.set(once, now + DUPLICATE_WINDOW_MS);
    return false;
  }

  /**
   * True when `raw` is the message envelope handled last, within REPEAT_WINDOW_MS: its second copy.
   * (Equal text is the same message, same id and room: delivery would drop it as delivered lately.)
   */
  private repeatOfLastMessage(raw: string): boolean {
    const last = this.lastMessage;
    return last !== undefined && last.raw === raw && Date.now() - last.at < REPEAT_WINDOW_MS;
  }

  /** One of this instance's messages, back from pub/sub: to this instance's sockets (parsed once, here). */
  private ownMessage(raw: string): void {
    this.count("message", "own");
    if (this.repeatOfLastMessage(raw)) return;
    let message: ChatMessage | undefined;
    try {
      message = normalizeMessage((JSON.parse(raw) as { data?: unknown }).data);
    } catch {
      message = undefined;
    }
    if (!message) return this.notUnderstood("own message: malformed", raw);
    this.lastMessage = { raw, at: Date.now() };
    // Each copy of the store script's show.room (both mode: two channels) is right before a copy of
    // the room's first message on the same channel: the first copy delivered shows the room.
    const room = this.ownShowRooms.get(message.roomId);
    if (room) this.ownShowRooms.delete(message.roomId);
    const members = room && parsePrivateRoomId(room.id);
    // Its other member hears of the room first (the sender's client has it from the answer).
    this.delivery.message(message, room && members ? { room, userIds: members.filter((id) => id !== message.from) } : undefined);
  }

  private ownShowRoomHeard(raw: string): void {
    try {
      const room = normalizeShowRoom((JSON.parse(raw) as { data?: unknown }).data);
      if (room) this.ownShowRooms.set(room.id, room);
    } catch {
      // Ours, so well formed; the message is delivered anyway.
    }
  }

  /**
   * Never throws: a malformed envelope from any server is logged and dropped. `channel`: the sharded
   * channel it came on (none: `MESSAGES`).
   */
  receive(raw: string, channel?: string): void {
    // Every envelope this instance sends comes back to it: skip those without parsing them, except
    // its messages (see ownMessagePrefix) and the store script's show.room before a first one.
    if (raw.startsWith(this.ownPrefix)) {
      if (raw.startsWith(this.ownMessagePrefix)) return this.ownMessage(raw);
      if (this.probe && raw.includes(this.probe.token)) return this.subscriptionRestored();
      this.count(ownType(raw, this.ownPrefix.length), "own");
      // The copies on members' own channels (sharded bus: for other instances) are not followed by
      // the message: only the store script's, on the room's channel or MESSAGES, are.
      if (raw.startsWith(this.ownShowRoomPrefix) && (channel === undefined || isRoomChannel(channel))) this.ownShowRoomHeard(raw);
      return;
    }
    if (this.repeatOfLastMessage(raw)) return this.count("message", "other");
    let envelope: Envelope;
    let once: unknown;
    try {
      const json = JSON.parse(raw) as { once?: unknown };
      envelope = Envelope.parse(json);
      once = json.once;
    } catch {
      this.notUnderstood("malformed envelope", raw);
      return;
    }
    if (String(envelope.serverId) === this.serverId) return;
    this.count(envelope.type, "other");
    if (typeof once === "string" && this.seenLately(once)) return;
    switch (envelope.type) {
      case "message": {
        // The message's JSON text as its server wrote it: a seed server stored the same text, so
        // the id derived from it here equals the one history gives (see messageIdForSeedMember).
        const data = envelope.data as { id?: unknown } | null;
        const member = typeof data?.id === "string" && MESSAGE_ID_PATTERN.test(data.id) ? undefined : rawMemberText(raw, "data");
        const message: ChatMessage | undefined = normalizeMessage(envelope.data, undefined, undefined, member);
        if (message) {
          this.lastMessage = { raw, at: Date.now() };
          const recipients = this.delivery.hasRecipients(message.roomId);
          // A second copy (PUBSUB_MODE=both: room channel and MESSAGES) is neither delivered nor timed again.
          if (this.delivery.message(message) && this.metrics) {
            this.metrics.observeArrival(message.id);
            if (!recipients) this.metrics.busDropped.inc();
          }
        }
        else this.notUnderstood("message: malformed data", raw);
        return;
      }
      case "user.connected":
      case "user.disconnected": {
        const user = normalizePresence(envelope.data, envelope.type === "user.connected");
        if (!user) return this.notUnderstood(`${envelope.type}: malformed data`, raw);
        if (user.online) this.hooks?.userConnected(user);
        else if (this.hooks?.userDisconnected(user)) return;
        this.delivery.presence(user);
        return;
      }
      case "show.room": {
        const room = normalizeShowRoom(envelope.data);
        const members = room ? parsePrivateRoomId(room.id) : null;
        // Only private rooms can be scoped to their members; the seed broadcasts others to all.
        if (room && members) {
          if (!this.showRoomHandler?.(room, members)) this.delivery.showRoom(room, members);
          for (const listener of this.privateRoomListeners) listener(room);
        } else this.notUnderstood(room ? "show.room: not a private room" : "show.room: malformed data", raw);
        return;
      }
      // message actions: changes are published by their scripts, typing by the typing handler
      case "message.updated":
      case "message.deleted":
      case "reaction.updated":
      case "previews.updated": {
        const change = RoomChange.safeParse(envelope.data);
        if (change.success && change.data.type === envelope.type) this.delivery.roomEvent(change.data.type, change.data.roomId, change.data);
        else this.log.warn({ type: envelope.type }, "dropped a malformed change envelope");
        return;
      }
      case "typing": {
        const typing = Typing.safeParse(envelope.data);
        if (typing.success) this.delivery.roomEvent("typing", typing.data.roomId, typing.data, typing.data.userId);
        return;
      }
      case "session.ended": {
        const ended = SessionEnded.safeParse(envelope.data);
        if (ended.success) for (const listener of this.sessionEndedListeners) listener(ended.data);
        else this.log.warn("dropped a malformed session.ended envelope");
        return;
      }
      case "probe":
        return;
      default: {
        const handler = this.handlers.get(envelope.type);
        if (handler) handler(envelope.data, String(envelope.serverId));
        else this.notUnderstood(`unknown type ${envelope.type.slice(0, 40)}`, raw);
      }
    }
  }
}

function isRoomChannel(channel: string): boolean {
  const subject = channelSubject(channel);
  return subject !== undefined && "room" in subject;
}

/** The type of one of our own envelopes, read from its text (`{"serverId":…,"type":"…"`) without parsing it. */
function ownType(raw: string, prefixLength: number): string {
  const start = prefixLength + '"type":"'.length;
  const end = raw.indexOf('"', start);
  return end > start ? raw.slice(start, end) : "unknown";
}

/** Seed servers send ids as strings; ours as numbers. */
function normalizePresence(data: unknown, online: boolean): PresenceUser | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const parsed = PresenceUser.safeParse({ id: Number(d.id), username: d.username, online });
  return parsed.success ? parsed.data : undefined;
}
