import diagnosticsChannel from "node:diagnostics_channel";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** Seconds buckets for things that take about a millisecond (a Redis round trip, a store). */
const FAST_BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Seconds buckets for a message's way from one instance to another. */
const HOP_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Seconds buckets for outgoing webhook calls. */
const WEBHOOK_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type StoreOutcome = "stored" | "duplicate" | "refused" | "rate-limited";
export type SignInOutcome = "ok" | "failed" | "limited";
export type WebhookOutcome = "delivered" | "failed" | "gave-up" | "refused";

/** Values only known at scrape time, read then (not on the hot path). Set by whoever owns them. */
export interface MetricSources {
  /** Open Socket.IO connections of this instance by delivery mode. */
  sockets?: () => Record<string, number>;
  /** Signed-in users online across all instances (`SCARD online_users`). */
  usersOnline?: () => Promise<number>;
  /** Sharded pub/sub channels this instance subscribes to now (realtime/bus). */
  busSubscriptions?: () => number;
}

/** The node-redis command tracing channel (node-redis 5 publishes every command on it). */
const REDIS_COMMAND_CHANNEL = "node-redis:command";
type TracedCommand = { command?: string; error?: unknown; [START]?: bigint };
const START = Symbol("metricsStart");

/**
 * One instance's Prometheus metrics (prom-client), in a registry of its own so that several
 * instances in one process (tests) do not collide.
 *
 * Hot-path rule: every recording here is an in-memory increment or a histogram observation; a
 * delivery is counted once per emit with the number of sockets it reached (read from the adapter's
 * room sizes), never once per socket. Gauges that need a lookup (sockets, users online) are
 * computed when Prometheus scrapes.
 */
export class ChatMetrics {
  readonly registry = new Registry();
  readonly sources: MetricSources = {};

  /** `chat_messages_total{outcome}`: send attempts by outcome. */
  readonly messages = new Counter({
    name: "chat_messages_total",
    help: "Messages sent to this instance, by outcome (stored, duplicate, refused, rate-limited)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  /** `chat_deliveries_total{mode}`: message events written to sockets (a batch frame counts once per socket). */
  readonly deliveries = new Counter({
    name: "chat_deliveries_total",
    help: "Message frames written to this instance's sockets, by delivery mode",
    labelNames: ["mode"] as const,
    registers: [this.registry],
  });
  readonly storeSeconds = new Histogram({
    name: "chat_message_store_seconds",
    help: "Time to store and publish one message (the store script's round trip), seconds",
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  readonly crossInstanceSeconds = new Histogram({
    name: "chat_cross_instance_latency_seconds",
    help: "From a message's store on another instance (its id: Redis time) to its receipt here, seconds",
    buckets: HOP_BUCKETS,
    registers: [this.registry],
  });
  readonly redisCommandSeconds = new Histogram({
    name: "chat_redis_command_seconds",
    help: "Redis command round trips, seconds, by command",
    labelNames: ["command"] as const,
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  readonly redisErrors = new Counter({
    name: "chat_redis_command_errors_total",
    help: "Redis commands that failed (error reply or connection failure), by command",
    labelNames: ["command"] as const,
    registers: [this.registry],
  });
  readonly pubsubResyncs = new Counter({
    name: "chat_pubsub_resyncs_total",
    help: "Times the MESSAGES subscription came back after a break and sockets were told to catch up",
    registers: [this.registry],
  });
  // --- the bus (issue 17; realtime/bus/*) ---
  /** `chat_bus_envelopes_received_total{type, origin}`: envelopes heard, ours (echo) or another instance's. */
  readonly busEnvelopes = new Counter({
    name: "chat_bus_envelopes_received_total",
    help: "Pub/sub envelopes this instance received, by type and origin (own: its own echo; other: another server's)",
    labelNames: ["type", "origin"] as const,
    registers: [this.registry],
  });
  readonly busDropped = new Counter({
    name: "chat_bus_envelopes_dropped_total",
    help: "Messages received from another instance that no socket here was to get (work spent for nothing)",
    registers: [this.registry],
  });
  readonly busSubscribes = new Counter({
    name: "chat_bus_subscribes_total",
    help: "Sharded channels subscribed (SSUBSCRIBE); with chat_bus_unsubscribes_total, the subscribe churn",
    registers: [this.registry],
  });
  readonly busUnsubscribes = new Counter({
    name: "chat_bus_unsubscribes_total",
    help: "Sharded channels let go (SUNSUBSCRIBE) after their release delay",
    registers: [this.registry],
  });
  readonly busDeafChannels = new Counter({
    name: "chat_bus_deaf_channels_total",
    help: "Sharded channels found deaf (believed subscribed, not delivered by their master) and subscribed again",
    registers: [this.registry],
  });
  readonly resyncs = new Counter({
    name: "chat_bus_resyncs_total",
    help: "Lost subscriptions restored and their sockets told to catch up, by cause (messages-channel, node-failure: MESSAGES or a failed master, everyone; connection, node, moved, deaf: sharded channels, their rooms)",
    labelNames: ["cause"] as const,
    registers: [this.registry],
  });
  readonly slowClientDisconnects = new Counter({
    name: "chat_slow_client_disconnects_total",
    help: "Connections dropped because their queued output exceeded MAX_BUFFERED_BYTES",
    registers: [this.registry],
  });
  readonly signIns = new Counter({
    name: "chat_sign_ins_total",
    help: "POST /login attempts by outcome (ok, failed, limited)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly webhooks = new Counter({
    name: "chat_webhook_deliveries_total",
    help: "Outgoing webhook attempts by outcome (delivered, failed, gave-up, refused)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly webhookSeconds = new Histogram({
    name: "chat_webhook_seconds",
    help: "Outgoing webhook call duration, seconds",
    buckets: WEBHOOK_BUCKETS,
    registers: [this.registry],
  });

  private readonly redisTracing = {
    start: (ctx: TracedCommand) => {
      ctx[START] = process.hrtime.bigint();
    },
    asyncEnd: (ctx: TracedCommand) => this.recordCommand(ctx),
    end: () => {},
    asyncStart: () => {},
    error: () => {},
  };
  private tracing = false;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const sources = this.sources;
    new Gauge({
      name: "chat_sockets_open",
      help: "Open Socket.IO connections on this instance, by delivery mode",
      labelNames: ["mode"] as const,
      registers: [this.registry],
      collect() {
        const counts = sources.sockets?.() ?? {};
        for (const [mode, n] of Object.entries(counts)) this.set({ mode }, n);
      },
    });
    new Gauge({
      name: "chat_bus_subscriptions",
      help: "Sharded pub/sub channels this instance subscribes to now",
      registers: [this.registry],
      collect() {
        if (sources.busSubscriptions) this.set(sources.busSubscriptions());
      },
    });
    new Gauge({
      name: "chat_users_online",
      help: "Signed-in users online across all instances (SCARD online_users)",
      registers: [this.registry],
      async collect() {
        if (!sources.usersOnline) return;
        try {
          this.set(await sources.usersOnline());
        } catch {
          // Redis down: the gauge keeps its last value; chat_redis_command_errors_total says why.
        }
      },
    });
  }

  /** Times every Redis command of this process through node-redis's diagnostics channel. */
  traceRedis(): void {
    if (this.tracing) return;
    this.tracing = true;
    diagnosticsChannel.tracingChannel(REDIS_COMMAND_CHANNEL).subscribe(this.redisTracing as never);
  }

  stop(): void {
    if (!this.tracing) return;
    this.tracing = false;
    diagnosticsChannel.tracingChannel(REDIS_COMMAND_CHANNEL).unsubscribe(this.redisTracing as never);
  }

  /**
   * A message from another instance arrived: its id is the Redis time of its store, in µs
   * (domain/message-ids.ts), so now minus that is the cross-instance latency (give or take the
   * clock difference between this host and Redis's). The clock has sub-millisecond resolution: with
   * Date.now() a hop within the millisecond of its store could read negative and was dropped.
   */
  observeArrival(messageId: string, nowMs = performance.timeOrigin + performance.now()): void {
    const storedMs = Number(messageId) / 1000;
    const seconds = (nowMs - storedMs) / 1000;
    if (Number.isFinite(seconds) && seconds >= 0 && seconds < 3600) this.crossInstanceSeconds.observe(seconds);
  }

  /** Prometheus text exposition of everything above. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private recordCommand(ctx: TracedCommand): void {
    const started = ctx[START];
    const command = (ctx.command ?? "unknown").toUpperCase();
    if (started !== undefined) this.redisCommandSeconds.observe({ command }, Number(process.hrtime.bigint() - started) / 1e9);
    if (ctx.error !== undefined) this.redisErrors.inc({ command });
  }
}
