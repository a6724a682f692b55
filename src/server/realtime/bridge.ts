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
import { messageIdFromMicros } from "../domain/message-ids.js";
import { normalizeMessage } from "../domain/messages.js";
import type { Logger } from "../logger.js";
import type { ChatMetrics } from "../observability/metrics.js";
import type { Redis } from "../redis/connection.js";
import { keys } from "../redis/keys.js";
import type { LocalDelivery } from "./delivery.js";
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

type OutgoingType = "message" | "user.connected" | "user.disconnected" | "show.room" | "probe" | "typing" | "room.change";

/** A handler for an envelope type of ours, registered by the module that owns it (see `on`). */
export type EnvelopeHandler = (data: unknown, serverId: string) => void;

/** How often to check, while the subscription is down, whether it is back. */
const PROBE_EVERY_MS = 250;
/** Clocks differ between servers and Redis: catch up from a little before the subscription broke. */
export const RESYNC_MARGIN_MS = 10_000;

/**
 * The seed's pub/sub bridge: every instance publishes what happens on it to `MESSAGES` as
 * `{serverId, type, data}` and hands other instances' envelopes to its own sockets, scoped to the
 * room's members. Messages are published by the store script itself (same round trip).
 *
 * Pub/sub keeps nothing: what is published while this server's subscription is down never reaches
 * it. So when the subscriber connection fails, the bridge publishes a probe of its own until it
 * hears it back (the subscription is live again), then tells its sockets to catch up on history
 * from just before the break (`resync`).
 */
export class PubSubBridge {
  /** How our own envelopes begin (the store script and `publish` both write serverId first). */
  private readonly ownPrefix: string;
  /**
   * How this instance's own messages begin (the store script writes them so). They are delivered
   * to this instance's sockets when they come back from `MESSAGES`, not when stored: Redis
   * publishes a room's messages in stored order to every subscriber, so every socket on every
   * instance gets a room's messages in id order, and a client's newest id is a cursor that never
   * skips (a message stored here could otherwise overtake one stored a moment before on another
   * instance, still on its way through pub/sub).
   */
  private readonly ownMessagePrefix: string;
  /** The store script publishes a new private room's `show.room` right before its first message. */
  private readonly ownShowRoomPrefix: string;
  private ownShowRoom: RoomSummary | undefined;
  /** When the subscription broke (ms), while it is down. */
  private brokenSince = 0;
  private probe: { token: string; timer: NodeJS.Timeout } | undefined;
  private started = false;
  /** Envelope types of ours beyond the seed's, each handled by the module that owns it. */
  private readonly handlers = new Map<string, EnvelopeHandler>();
  private readonly restoredListeners: (() => void)[] = [];
  private readonly privateRoomListeners: ((room: RoomSummary) => void)[] = [];
  /** Called with another instance's `session.ended` (the gateway closes those sessions' sockets). */
  onSessionEnded: ((ended: SessionEnded) => void) | undefined;
  private hooks: ForeignPresenceHooks | undefined;
  /** Kinds of envelope already logged as not understood: each is logged once per process. */
  private readonly loggedKinds = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly serverId: string,
    private readonly delivery: LocalDelivery,
    private readonly log: Logger,
    private readonly metrics?: ChatMetrics,
  ) {
    this.ownPrefix = `{"serverId":${JSON.stringify(serverId)},`;
    this.ownMessagePrefix = `${this.ownPrefix}"type":"message",`;
    this.ownShowRoomPrefix = `${this.ownPrefix}"type":"show.room",`;
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
    await this.subscriber.subscribe(keys.messagesChannel, (raw) => this.receive(raw));
    this.subscriber.on("error", this.onSubscriberError);
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
    this.subscriber.off("error", this.onSubscriberError);
    clearInterval(this.probe?.timer);
    await this.subscriber.unsubscribe(keys.messagesChannel).catch(() => {});
  }

  private readonly onSubscriberError = () => {
    if (this.brokenSince) return;
    this.brokenSince = Date.now();
    const token = randomUUID();
    const timer = setInterval(() => void this.publish("probe", token).catch(() => {}), PROBE_EVERY_MS);
    timer.unref();
    this.probe = { token, timer };
  };

  private subscriptionRestored(): void {
    clearInterval(this.probe?.timer);
    this.probe = undefined;
    const since = messageIdFromMicros((this.brokenSince - RESYNC_MARGIN_MS) * 1000);
    this.log.warn({ downMs: Date.now() - this.brokenSince }, "pub/sub subscription restored; clients catch up");
    this.brokenSince = 0;
    this.metrics?.pubsubResyncs.inc();
    for (const listener of this.restoredListeners) listener();
    this.delivery.resync(since);
  }

  /** A `message` envelope, from any server (this one included), to this instance's sockets. */
  private deliverMessage(raw: string, envelope: Envelope, own = false): void {
    // The message's JSON text as its server wrote it: a seed server stored the same text, so
    // the id derived from it here equals the one history gives (see messageIdForSeedMember).
    const data = envelope.data as { id?: unknown } | null;
    const member = typeof data?.id === "string" && MESSAGE_ID_PATTERN.test(data.id) ? undefined : rawMemberText(raw, "data");
    const message: ChatMessage | undefined = normalizeMessage(envelope.data, undefined, undefined, member);
    const announce = own ? this.ownShowRoom : undefined;
    this.ownShowRoom = undefined;
    if (message) {
      // A private room's first message: its other member hears of the room first.
      const members = announce?.id === message.roomId ? parsePrivateRoomId(announce.id) : null;
      if (announce && members) this.delivery.showRoom(announce, members.filter((id) => id !== message.from));
      this.metrics?.observeArrival(message.id);
      this.delivery.message(message);
    } else this.notUnderstood("message: malformed data", raw);
  }

  /** True while the `MESSAGES` subscription is known to work (readiness). */
  get live(): boolean {
    const ready = (this.subscriber as { isReady?: boolean }).isReady;
    return this.brokenSince === 0 && this.started && ready !== false;
  }

  async publish(type: OutgoingType, data: unknown): Promise<void> {
    await this.redis.publish(keys.messagesChannel, JSON.stringify({ serverId: this.serverId, type, data }));
  }

  /** Never throws: a malformed envelope from any server is logged and dropped. */
  receive(raw: string): void {
    // Every envelope this instance sends comes back to it: skip those without parsing them, except
    // its messages, which are delivered from here like everyone else's (see ownMessagePrefix).
    if (raw.startsWith(this.ownPrefix)) {
      if (this.probe && raw.includes(this.probe.token)) this.subscriptionRestored();
      if (raw.startsWith(this.ownMessagePrefix)) this.deliverMessage(raw, JSON.parse(raw) as Envelope, true);
      else if (raw.startsWith(this.ownShowRoomPrefix)) this.ownShowRoom = normalizeShowRoom((JSON.parse(raw) as Envelope).data);
      return;
    }
    let envelope: Envelope;
    try {
      envelope = Envelope.parse(JSON.parse(raw));
    } catch {
      this.notUnderstood("malformed envelope", raw);
      return;
    }
    if (String(envelope.serverId) === this.serverId) return;
    switch (envelope.type) {
      case "message":
        return this.deliverMessage(raw, envelope);
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
          this.delivery.showRoom(room, members);
          for (const listener of this.privateRoomListeners) listener(room);
        }
        else this.notUnderstood(room ? "show.room: not a private room" : "show.room: malformed data", raw);
        return;
      }
      // message actions: changes are published by their scripts, typing by the typing handler
      case "message.updated":
      case "message.deleted":
      case "reaction.updated": {
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
        if (ended.success) this.onSessionEnded?.(ended.data);
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

/** Seed servers send ids as strings; ours as numbers. */
function normalizePresence(data: unknown, online: boolean): PresenceUser | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const parsed = PresenceUser.safeParse({ id: Number(d.id), username: d.username, online });
  return parsed.success ? parsed.data : undefined;
}
