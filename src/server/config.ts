import { randomBytes } from "node:crypto";
import { z } from "zod";
import { PUBSUB_MODES, type PubSubMode } from "./redis/bus.js";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", "on", "off"])
  .transform((v) => ["true", "1", "yes", "on"].includes(v));
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const Env = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  /** Comma-separated `host:port` seeds: run against Redis Cluster instead of REDIS_URL. */
  REDIS_CLUSTER_NODES: z.string().optional(),
  SESSION_SECRET: z.string().min(16, "SESSION_SECRET must be at least 16 characters").optional(),
  SESSION_TTL_DAYS: int(1, 365).default(30),
  COOKIE_SECURE: bool.default(false),
  DEMO_DATA: bool.default(true),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  NODE_ENV: z.string().default("development"),
  SERVER_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
  /** Batching window for message delivery to clients that ask for batches (0 = same tick only). */
  DELIVERY_FLUSH_MS: int(0, 1000).default(5),
  PRESENCE_FLUSH_MS: int(0, 10_000).default(250),
  /** Messages a user may send per window, across rooms (per room on Cluster); 0 turns it off. */
  MESSAGE_RATE_LIMIT: int(0, 1_000_000).default(30),
  MESSAGE_RATE_WINDOW_MS: int(100, 3_600_000).default(10_000),
  /** FAILED sign-ins per (username, address) and per address per window (0 turns it off). */
  LOGIN_RATE_LIMIT: int(0, 1_000_000).default(10),
  LOGIN_RATE_LIMIT_PER_ADDRESS: int(0, 1_000_000).default(100),
  LOGIN_RATE_WINDOW_MS: int(1000, 86_400_000).default(300_000),
  /** How long an address over LOGIN_RATE_LIMIT_PER_ADDRESS is refused. */
  LOGIN_ADDRESS_BLOCK_MS: int(1000, 7 * 86_400_000).default(3_600_000),
  /** Edits, deletions and reactions one user may make per window, over REST and the socket together (0 = off). */
  MESSAGE_ACTION_RATE_LIMIT: int(0, 1_000_000).default(60),
  MESSAGE_ACTION_RATE_WINDOW_MS: int(100, 3_600_000).default(10_000),
  /** Rooms (named or group) one user may create per window (0 = off), and may have created at most (0 = no cap). */
  ROOM_CREATE_RATE_LIMIT: int(0, 1_000_000).default(10),
  ROOM_CREATE_RATE_WINDOW_MS: int(1000, 86_400_000).default(3_600_000),
  MAX_ROOMS_PER_CREATOR: int(0, 1_000_000).default(200),
  /** Bytes queued for one connection before it is dropped as too slow. */
  MAX_BUFFERED_BYTES: int(16_384, 1_073_741_824).default(4 * 1024 * 1024),
  PRESENCE_HEARTBEAT_MS: int(100, 60_000).default(5_000),
  PRESENCE_TTL_MS: int(300, 300_000).default(15_000),
  /** Only WebSocket transport: needed behind a load balancer without sticky sessions. */
  WEBSOCKET_ONLY: bool.default(false),
  CLIENT_DIR: z.string().optional(),
  TRUST_PROXY: bool.default(false),
  /** Where people reach this site (`https://chat.example.com`, optionally with a path): every absolute link the server makes starts with it. */
  PUBLIC_URL: z.string().url().regex(/^https?:\/\//, "must be an http(s) URL").optional(),
  /** Comma-separated origins allowed to open Socket.IO connections besides the server's own. */
  ALLOWED_ORIGINS: z.string().default(""),

  // --- operations and integrations (issue 11) ---
  /** Bearer token that unlocks `GET /metrics` on the main port. */
  METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional(),
  /** A separate port serving `/metrics` without a token, bound to METRICS_HOST (loopback). */
  METRICS_PORT: int(1, 65535).optional(),
  METRICS_HOST: z.string().default("127.0.0.1"),
  /** How long a SIGTERM'd instance drains (tells its sockets to reconnect elsewhere) before it exits. */
  DRAIN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  /** Let outgoing fetches (webhooks, Web Push, link previews) reach loopback, link-local and private networks (tests, on-prem). */
  ALLOW_PRIVATE_NETWORK_FETCH: bool.optional(),
  /** The earlier name of ALLOW_PRIVATE_NETWORK_FETCH (webhooks only then); still honoured. */
  ALLOW_PRIVATE_WEBHOOKS: bool.optional(),
  WEBHOOK_TIMEOUT_MS: int(100, 60_000).default(5_000),
  /** First retry delay of a failed webhook; doubles with each attempt. */
  WEBHOOK_RETRY_BASE_MS: int(10, 3_600_000).default(2_000),
  WEBHOOK_MAX_ATTEMPTS: int(1, 20).default(6),
  /** Webhook calls in flight per instance, and per bot on an instance: a stalled receiver holds only its own. */
  WEBHOOK_CONCURRENCY: int(1, 1000).default(16),
  WEBHOOK_CONCURRENCY_PER_BOT: int(1, 100).default(2),
  /** Who may create an account: open (anyone), invite (with an invitation code), closed (administrators only). */
  REGISTRATION: z.enum(["open", "invite", "closed"]).default("open"),
  /** Comma-separated usernames that are administrators (besides the first account a person creates). */
  ADMIN_USERNAMES: z.string().default(""),
  /** Web Push: VAPID keys (URL-safe base64, as `web-push generate-vapid-keys` prints); both or neither. */
  VAPID_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9_-]{80,100}$/, "must be a URL-safe base64 P-256 public key").optional(),
  VAPID_PRIVATE_KEY: z.string().regex(/^[A-Za-z0-9_-]{40,50}$/, "must be a URL-safe base64 P-256 private key").optional(),
  /** Who push services may contact about this sender: a `mailto:` or `https:` URL. */
  VAPID_SUBJECT: z.string().regex(/^(mailto:|https:\/\/)\S+$/, "must be a mailto: or https: URL").default("mailto:admin@redis-chat.invalid"),
  /** Pushes waiting to be sent by this instance; beyond it the oldest are dropped (and counted in the log). */
  PUSH_QUEUE_SIZE: int(1, 1_000_000).default(1000),
  /** Requests to push services in flight at once, and how long one may take. */
  PUSH_CONCURRENCY: int(1, 256).default(8),
  PUSH_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /** Accept push endpoints on loopback/private addresses and plain http (tests and local push services only). */
  PUSH_ALLOW_LOCAL_ENDPOINTS: bool.default(false),
  // --- integrity (issue 8) ---
  /** Longest a request waits for any one Redis command before answering "unavailable" (503). */
  REDIS_COMMAND_TIMEOUT_MS: int(100, 120_000).default(3000),
  /** `replica`: a message is acknowledged once a replica has it too (WAIT), not on its master alone (issue 16). */
  DURABLE_ACKS: z.enum(["none", "replica"]).default("none"),
  /** With DURABLE_ACKS=replica: how long a send waits for a replica before answering "unavailable". */
  DURABLE_ACK_TIMEOUT_MS: int(10, 60_000).default(1000),
  /** Events one socket may send per window (refused ones included); past it, it is disconnected. 0 = off. */
  SOCKET_EVENT_BUDGET: int(0, 1_000_000).default(300),
  SOCKET_EVENT_WINDOW_MS: int(100, 3_600_000).default(10_000),
  /** Open Socket.IO connections per user across all instances; the next handshake is refused. 0 = off. */
  MAX_SOCKETS_PER_USER: int(0, 1_000_000).default(20),
  // --- files and link previews (issue 15) ---
  /** Fetch previews of the links in messages. */
  LINK_PREVIEWS: bool.default(true),
  /** The longest one link's fetch may take (page, or image), redirects included. */
  LINK_PREVIEW_TIMEOUT_MS: int(100, 60_000).default(5_000),
  /** The most bytes of a page read for its preview (its head is what counts). */
  LINK_PREVIEW_MAX_BYTES: int(1024, 16 * 1024 * 1024).default(512 * 1024),
  // --- files (issue 15; docs/deployment.md "Files") ---
  /** Where uploaded files are kept: `local` (ATTACHMENT_DIR) or `s3` (an S3-compatible bucket). */
  ATTACHMENT_STORE: z.enum(["local", "s3"]).default("local"),
  ATTACHMENT_DIR: z.string().default("./data/attachments"),
  /** The largest file one upload may carry, in bytes (25 MiB). */
  ATTACHMENT_MAX_BYTES: int(1, 5 * 1024 * 1024 * 1024).default(25 * 1024 * 1024),
  /** Images with more pixels than this are refused without being decoded (decompression bombs). */
  ATTACHMENT_MAX_PIXELS: int(1, 1_000_000_000).default(50_000_000),
  /** How long an upload waits to be sent in a message before it is removed (ms; a day). */
  ATTACHMENT_UNSENT_TTL_MS: int(1000, 30 * 86_400_000).default(86_400_000),
  /** A command run on each uploaded file (its path is the last argument): exit 0 = clean, 1 = infected. */
  ATTACHMENT_SCAN_COMMAND: z.string().optional(),
  /** clamd to scan each uploaded file with: a Unix socket path, or `tcp://host:port`. */
  ATTACHMENT_SCAN_CLAMD: z.string().optional(),
  ATTACHMENT_S3_ENDPOINT: z.string().url().optional(),
  ATTACHMENT_S3_REGION: z.string().default("us-east-1"),
  ATTACHMENT_S3_BUCKET: z.string().optional(),
  ATTACHMENT_S3_ACCESS_KEY_ID: z.string().optional(),
  ATTACHMENT_S3_SECRET_ACCESS_KEY: z.string().optional(),
  /** Path-style URLs (`endpoint/bucket/key`): MinIO, Ceph, Garage. */
  ATTACHMENT_S3_FORCE_PATH_STYLE: bool.default(false),
  ATTACHMENT_S3_PREFIX: z.string().default(""),
  // --- the sharded bus (issue 17; redis/bus.ts) ---
  /** sharded | both | seed; default sharded on Redis Cluster, both on one Redis. */
  PUBSUB_MODE: z.enum(PUBSUB_MODES).optional(),
  /** How long a room's subscription outlives its last local member's socket (reloads do not churn). */
  BUS_RELEASE_DELAY_MS: int(0, 3_600_000).default(5000),
});

export type Config = {
  port: number;
  host: string;
  redisUrl: string;
  redisClusterNodes: string[] | undefined;
  sessionSecret: string;
  sessionSecretGenerated: boolean;
  sessionTtlSeconds: number;
  cookieSecure: boolean;
  demoData: boolean;
  logLevel: string;
  production: boolean;
  serverId: string;
  deliveryFlushMs: number;
  presenceFlushMs: number;
  messageRateLimit: number;
  messageRateWindowMs: number;
  loginRateLimit: number;
  loginRateLimitPerAddress: number;
  loginRateWindowMs: number;
  loginAddressBlockMs: number;
  messageActionRateLimit: number;
  messageActionRateWindowMs: number;
  roomCreateRateLimit: number;
  roomCreateRateWindowMs: number;
  maxRoomsPerCreator: number;
  maxBufferedBytes: number;
  presenceHeartbeatMs: number;
  presenceTtlMs: number;
  websocketOnly: boolean;
  clientDir: string | undefined;
  trustProxy: boolean;
  allowedOrigins: string[];
  /** PUBLIC_URL with a trailing slash (a base for links), or undefined. */
  publicUrl: string | undefined;
  // --- operations and integrations ---
  metricsToken: string | undefined;
  metricsPort: number | undefined;
  metricsHost: string;
  drainTimeoutMs: number;
  /** ALLOW_PRIVATE_NETWORK_FETCH: the SSRF guard (net/ssrf-guard.ts) lets every outgoing fetch reach private addresses. */
  allowPrivateNetworkFetch: boolean;
  webhookTimeoutMs: number;
  webhookRetryBaseMs: number;
  webhookMaxAttempts: number;
  webhookConcurrency: number;
  webhookConcurrencyPerBot: number;
  registration: "open" | "invite" | "closed";
  adminUsernames: string[];
  vapidPublicKey: string | undefined;
  vapidPrivateKey: string | undefined;
  vapidSubject: string;
  pushQueueSize: number;
  pushConcurrency: number;
  pushTimeoutMs: number;
  pushAllowLocalEndpoints: boolean;
  redisCommandTimeoutMs: number;
  durableAcks: "none" | "replica";
  durableAckTimeoutMs: number;
  socketEventBudget: number;
  socketEventWindowMs: number;
  maxSocketsPerUser: number;
  linkPreviews: boolean;
  linkPreviewTimeoutMs: number;
  linkPreviewMaxBytes: number;
  // --- files ---
  attachments: AttachmentConfig;
  /** Unset: by topology (redis/bus.ts defaultPubSubMode). */
  pubsubMode: PubSubMode | undefined;
  busReleaseDelayMs: number;
};

/** Files (issue 15): where they are kept and how they are checked. */
export interface AttachmentConfig {
  store: "local" | "s3";
  dir: string;
  maxBytes: number;
  maxPixels: number;
  unsentTtlMs: number;
  scanCommand: string | undefined;
  scanClamd: string | undefined;
  s3: {
    endpoint: string | undefined;
    region: string;
    bucket: string | undefined;
    accessKeyId: string | undefined;
    secretAccessKey: string | undefined;
    forcePathStyle: boolean;
    prefix: string;
  };
}

export class ConfigError extends Error {}

/** Reads the environment once, at start; a bad value stops the process with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.ATTACHMENT_STORE === "s3" && !e.ATTACHMENT_S3_BUCKET) {
    throw new ConfigError("invalid configuration: ATTACHMENT_STORE=s3 needs ATTACHMENT_S3_BUCKET");
  }
  if ((e.VAPID_PUBLIC_KEY === undefined) !== (e.VAPID_PRIVATE_KEY === undefined)) {
    throw new ConfigError("invalid configuration: set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither");
  }
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: e.REDIS_CLUSTER_NODES?.split(",").map((s) => s.trim()).filter(Boolean),
    sessionSecret: e.SESSION_SECRET ?? randomBytes(32).toString("hex"),
    sessionSecretGenerated: e.SESSION_SECRET === undefined,
    sessionTtlSeconds: e.SESSION_TTL_DAYS * 86_400,
    cookieSecure: e.COOKIE_SECURE,
    demoData: e.DEMO_DATA,
    logLevel: e.LOG_LEVEL,
    production: e.NODE_ENV === "production",
    serverId: e.SERVER_ID ?? randomBytes(6).toString("hex"),
    deliveryFlushMs: e.DELIVERY_FLUSH_MS,
    presenceFlushMs: e.PRESENCE_FLUSH_MS,
    messageRateLimit: e.MESSAGE_RATE_LIMIT,
    messageRateWindowMs: e.MESSAGE_RATE_WINDOW_MS,
    loginRateLimit: e.LOGIN_RATE_LIMIT,
    loginRateLimitPerAddress: e.LOGIN_RATE_LIMIT_PER_ADDRESS,
    loginRateWindowMs: e.LOGIN_RATE_WINDOW_MS,
    loginAddressBlockMs: e.LOGIN_ADDRESS_BLOCK_MS,
    messageActionRateLimit: e.MESSAGE_ACTION_RATE_LIMIT,
    messageActionRateWindowMs: e.MESSAGE_ACTION_RATE_WINDOW_MS,
    roomCreateRateLimit: e.ROOM_CREATE_RATE_LIMIT,
    roomCreateRateWindowMs: e.ROOM_CREATE_RATE_WINDOW_MS,
    maxRoomsPerCreator: e.MAX_ROOMS_PER_CREATOR,
    maxBufferedBytes: e.MAX_BUFFERED_BYTES,
    presenceHeartbeatMs: e.PRESENCE_HEARTBEAT_MS,
    presenceTtlMs: e.PRESENCE_TTL_MS,
    websocketOnly: e.WEBSOCKET_ONLY,
    clientDir: e.CLIENT_DIR,
    trustProxy: e.TRUST_PROXY,
    allowedOrigins: e.ALLOWED_ORIGINS.split(",").map((s) => s.trim()).filter(Boolean),
    publicUrl: e.PUBLIC_URL === undefined ? undefined : e.PUBLIC_URL.replace(/\/*$/, "/"),
    metricsToken: e.METRICS_TOKEN,
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
    drainTimeoutMs: e.DRAIN_TIMEOUT_MS,
    allowPrivateNetworkFetch: e.ALLOW_PRIVATE_NETWORK_FETCH ?? e.ALLOW_PRIVATE_WEBHOOKS ?? false,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    webhookRetryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
    webhookMaxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
    webhookConcurrency: e.WEBHOOK_CONCURRENCY,
    webhookConcurrencyPerBot: e.WEBHOOK_CONCURRENCY_PER_BOT,
    registration: e.REGISTRATION,
    adminUsernames: e.ADMIN_USERNAMES.split(",").map((s) => s.trim()).filter(Boolean),
    vapidPublicKey: e.VAPID_PUBLIC_KEY,
    vapidPrivateKey: e.VAPID_PRIVATE_KEY,
    vapidSubject: e.VAPID_SUBJECT,
    pushQueueSize: e.PUSH_QUEUE_SIZE,
    pushConcurrency: e.PUSH_CONCURRENCY,
    pushTimeoutMs: e.PUSH_TIMEOUT_MS,
    pushAllowLocalEndpoints: e.PUSH_ALLOW_LOCAL_ENDPOINTS,
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    durableAcks: e.DURABLE_ACKS,
    durableAckTimeoutMs: e.DURABLE_ACK_TIMEOUT_MS,
    socketEventBudget: e.SOCKET_EVENT_BUDGET,
    socketEventWindowMs: e.SOCKET_EVENT_WINDOW_MS,
    maxSocketsPerUser: e.MAX_SOCKETS_PER_USER,
    linkPreviews: e.LINK_PREVIEWS,
    linkPreviewTimeoutMs: e.LINK_PREVIEW_TIMEOUT_MS,
    linkPreviewMaxBytes: e.LINK_PREVIEW_MAX_BYTES,
    attachments: {
      store: e.ATTACHMENT_STORE,
      dir: e.ATTACHMENT_DIR,
      maxBytes: e.ATTACHMENT_MAX_BYTES,
      maxPixels: e.ATTACHMENT_MAX_PIXELS,
      unsentTtlMs: e.ATTACHMENT_UNSENT_TTL_MS,
      scanCommand: e.ATTACHMENT_SCAN_COMMAND,
      scanClamd: e.ATTACHMENT_SCAN_CLAMD,
      s3: {
        endpoint: e.ATTACHMENT_S3_ENDPOINT,
        region: e.ATTACHMENT_S3_REGION,
        bucket: e.ATTACHMENT_S3_BUCKET,
        accessKeyId: e.ATTACHMENT_S3_ACCESS_KEY_ID,
        secretAccessKey: e.ATTACHMENT_S3_SECRET_ACCESS_KEY,
        forcePathStyle: e.ATTACHMENT_S3_FORCE_PATH_STYLE,
        prefix: e.ATTACHMENT_S3_PREFIX,
      },
    },
    pubsubMode: e.PUBSUB_MODE,
    busReleaseDelayMs: e.BUS_RELEASE_DELAY_MS,
    ...overrides,
  };
}
