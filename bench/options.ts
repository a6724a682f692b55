/** Command-line options of `npm run bench -- ...`. */
import { parseArgs } from "node:util";

export const SCENARIOS = ["fanout", "rooms", "storm", "two-instances", "named-rooms", "upload", "search", "soak"] as const;
/** What `--scenario all` runs (search fills Redis with a million messages: asked for by name). */
const ALL_SCENARIOS = ["fanout", "rooms", "storm", "two-instances", "named-rooms", "upload", "soak"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface Options {
  scenarios: Scenario[];
  /** existing servers to target instead of starting them (two-instances takes two) */
  urls: string[];
  /** Redis of the existing servers, for INFO commandstats */
  redisUrl: string | null;
  /** pids of the existing servers, for CPU and memory from /proc */
  serverPids: number[];
  durationMs: number;
  drainMs: number;
  rates: number[] | null;
  members: number;
  senders: number;
  agents: number;
  roomUsers: number;
  /** named-rooms scenario: rooms people made, their size, and how many rooms the busiest 10 % are in */
  namedRooms: number;
  roomSize: number;
  heavyRooms: number;
  stormSockets: number;
  stormUsers: number;
  connectConcurrency: number;
  flushMs: number | undefined;
  /** started servers acknowledge once a replica has the message (DURABLE_ACKS=replica; a replica is started) */
  durableAcks: boolean;
  padding: number;
  clientId: boolean;
  batch: boolean;
  /** fan-out: sockets (not senders) that also send `typing` every TYPING_THROTTLE_MS during each step */
  typers: number;
  profileDir: string | null;
  tsx: boolean;
  build: boolean;
  write: boolean;
  userPrefix: string;
  maxMinutes: number;
  quietWaitMs: number;
  /** search scenario: stored messages, rooms, rooms the searcher is in, queries per kind */
  searchMessages: number;
  searchRooms: number;
  searchMemberOf: number;
  searchQueries: number;
  /** results go to latest-<scenario>-<label>.json, a separate section (e.g. "seed" with --no-batch) */
  label: string | null;
  /** soak: people, messages per second, sockets cut per second, and how long (--duration, default 60 s) */
  soakPeople: number;
  soakRate: number;
  soakCutsPerSec: number;
  soakDurationMs: number;
  argv: string[];
}

const USAGE = `usage: npm run bench -- [--scenario fanout|rooms|storm|two-instances|named-rooms|upload|soak|all] [options]
       npm run bench -- --scenario list [--messages 5000] [--at 200,1000,5000]   (the web client's message list)
  --url URL[,URL2]        target running server(s) instead of starting them
  --redis-url URL         their Redis (for INFO commandstats); --server-pid PID[,PID2] for /proc
  --duration S            seconds of sending per rate step (default 8)
  --rates R1,R2,...       messages per second into the server (fanout default 100,200,400,800,1600;
                          rooms default 500,1000,2000,4000; named-rooms 500,1000,2000)
  --members N             fan-out room size (200)      --senders N   sending sockets (10)
  --agents N              load-generator processes (2) --users N     rooms scenario users (2000)
  --named-rooms N         named-rooms: rooms (500)   --room-size N members each (20)
  --heavy-rooms N         rooms the busiest 10 % of the --users are in at once (20)
  --people N              soak: people on two instances (120); --soak-rate R messages/s (30);
                          --cuts N sockets closed or cut per second (4); --duration S (60 for soak)
  --storm-sockets N       (10000)  --storm-users N (500) --connect-concurrency N per agent (200)
  --flush-ms N            DELIVERY_FLUSH_MS for started servers
  --durable-acks          started servers with DURABLE_ACKS=replica, and a replica of the private Redis
  --padding N             extra characters per message   --no-client-id   --no-batch
  --typers N              fan-out: N more members send \`typing\` every 3 s during each step (0);
                          use with --label typing to keep those figures apart
  --profile DIR           run started servers with node --cpu-prof --cpu-prof-dir=DIR
  --tsx                   run src/server/main.ts with tsx instead of dist/ (no build)
  --build                 rebuild dist/ first even if it looks fresh
  --no-write              do not update docs/benchmarks*
  --label NAME            keep these results apart: latest-<scenario>-NAME.json, own section
  --quiet-wait S          before each step wait up to S seconds (30) for other users of the machine
                          to drop below 0.35 cores; 0 = do not wait
  --max-minutes N         hard stop for the whole run (45)
  --messages N            search: stored messages (1000000)  --search-rooms N  rooms (500)
  --member-of N           search: rooms the searcher is in (50)  --queries N  per kind (200)`;

function list(value: string | undefined): string[] {
  return value ? value.split(",").map((s) => s.trim()).filter(Boolean) : [];
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number`);
  return n;
}

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: "string", default: "all" },
      url: { type: "string" },
      "redis-url": { type: "string" },
      "server-pid": { type: "string" },
      duration: { type: "string" },
      drain: { type: "string" },
      rates: { type: "string" },
      members: { type: "string" },
      senders: { type: "string" },
      agents: { type: "string" },
      users: { type: "string" },
      "named-rooms": { type: "string" },
      "room-size": { type: "string" },
      "heavy-rooms": { type: "string" },
      "storm-sockets": { type: "string" },
      people: { type: "string" },
      "soak-rate": { type: "string" },
      cuts: { type: "string" },
      "storm-users": { type: "string" },
      "connect-concurrency": { type: "string" },
      "flush-ms": { type: "string" },
      "durable-acks": { type: "boolean", default: false },
      padding: { type: "string" },
      typers: { type: "string" },
      "no-client-id": { type: "boolean", default: false },
      "no-batch": { type: "boolean", default: false },
      profile: { type: "string" },
      tsx: { type: "boolean", default: false },
      build: { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
      "user-prefix": { type: "string", default: "bench_u" },
      "max-minutes": { type: "string" },
      "quiet-wait": { type: "string" },
      label: { type: "string" },
      messages: { type: "string" },
      "search-rooms": { type: "string" },
      "member-of": { type: "string" },
      queries: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const scenario = values.scenario;
  const scenarios: Scenario[] = scenario === "all" ? [...ALL_SCENARIOS] : list(scenario).map((s) => {
    if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario ${s}\n${USAGE}`);
    return s as Scenario;
  });
  const rates = list(values.rates).map((r) => int(r, 0, "rates"));
  return {
    scenarios,
    urls: list(values.url).map((u) => u.replace(/\/+$/, "")),
    redisUrl: values["redis-url"] ?? null,
    serverPids: list(values["server-pid"]).map(Number),
    durationMs: int(values.duration, 8, "duration") * 1000,
    drainMs: int(values.drain, 5, "drain") * 1000,
    rates: rates.length ? rates : null,
    members: int(values.members, 200, "members"),
    senders: int(values.senders, 10, "senders"),
    agents: Math.max(1, int(values.agents, 2, "agents")),
    roomUsers: int(values.users, 2000, "users"),
    namedRooms: Math.max(1, int(values["named-rooms"], 500, "named-rooms")),
    roomSize: Math.max(2, int(values["room-size"], 20, "room-size")),
    heavyRooms: Math.max(1, int(values["heavy-rooms"], 20, "heavy-rooms")),
    stormSockets: int(values["storm-sockets"], 10_000, "storm-sockets"),
    stormUsers: int(values["storm-users"], 500, "storm-users"),
    connectConcurrency: Math.max(1, int(values["connect-concurrency"], 200, "connect-concurrency")),
    flushMs: values["flush-ms"] === undefined ? undefined : int(values["flush-ms"], 0, "flush-ms"),
    durableAcks: values["durable-acks"],
    padding: int(values.padding, 0, "padding"),
    clientId: !values["no-client-id"],
    batch: !values["no-batch"],
    typers: int(values.typers, 0, "typers"),
    profileDir: values.profile ?? null,
    tsx: values.tsx,
    build: values.build,
    write: !values["no-write"],
    userPrefix: values["user-prefix"],
    maxMinutes: int(values["max-minutes"], 45, "max-minutes"),
    quietWaitMs: int(values["quiet-wait"], 30, "quiet-wait") * 1000,
    searchMessages: Math.max(1, int(values.messages, 1_000_000, "messages")),
    searchRooms: Math.max(1, int(values["search-rooms"], 500, "search-rooms")),
    searchMemberOf: Math.max(1, int(values["member-of"], 50, "member-of")),
    searchQueries: Math.max(1, int(values.queries, 200, "queries")),
    label: values.label && /^[a-z0-9-]{1,32}$/.test(values.label) ? values.label : null,
    soakPeople: int(values.people, 120, "people"),
    soakRate: int(values["soak-rate"], 30, "soak-rate"),
    soakCutsPerSec: int(values.cuts, 4, "cuts"),
    soakDurationMs: int(values.duration, 60, "duration") * 1000,
    argv,
  };
}
