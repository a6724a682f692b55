/**
 * Bench users: logged in (registered on first login) once per run and reused by every scenario,
 * since each login costs the server a bcrypt hash. Sessions live in Redis, so a cookie stays good
 * when the scenario restarts the server processes on the same Redis.
 */
import { RoomSummary, SessionUser } from "../src/protocol/index.js";
import { mapLimit } from "./limit.js";

export const BENCH_PASSWORD = "bench-password-1";

export interface BenchUser {
  n: number;
  id: number;
  username: string;
  cookie: string;
}

function cookieFrom(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((line) => line.split(";")[0]!.trim())
    .filter((pair) => pair.includes("="))
    .join("; ");
}

export async function login(url: string, username: string, password = BENCH_PASSWORD): Promise<{ id: number; username: string; cookie: string }> {
  const res = await fetch(`${url}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const body: unknown = await res.json().catch(() => null);
  if (res.status !== 200 && res.status !== 201) throw new Error(`login ${username}: HTTP ${res.status} ${JSON.stringify(body)}`);
  const user = SessionUser.parse(body);
  const cookie = cookieFrom(res);
  if (!cookie) throw new Error(`login ${username}: no session cookie`);
  return { ...user, cookie };
}

export class UserPool {
  private readonly users: BenchUser[] = [];
  loginMs = 0;
  constructor(private url: string, private readonly prefix: string) {}

  /** Later scenarios talk to a new server process; cookies stay valid (same Redis, same secret). */
  setUrl(url: string): void {
    this.url = url;
  }

  get size(): number {
    return this.users.length;
  }

  /** The first `count` bench users, logging in the missing ones with bounded concurrency. */
  async ensure(count: number, concurrency = 4): Promise<BenchUser[]> {
    if (this.users.length < count) {
      const started = performance.now();
      const missing = Array.from({ length: count - this.users.length }, (_, i) => this.users.length + i + 1);
      let done = 0;
      const fresh = await mapLimit(missing, concurrency, async (n) => {
        const username = `${this.prefix}${n}`;
        const user = await login(this.url, username);
        if (++done % 250 === 0) console.log(`bench: logged in ${done}/${missing.length} users`);
        return { n, ...user };
      });
      this.users.push(...fresh);
      const ms = performance.now() - started;
      this.loginMs += ms;
      console.log(`bench: logged in ${fresh.length} users in ${(ms / 1000).toFixed(1)} s (${(ms / fresh.length).toFixed(0)} ms each at concurrency ${concurrency})`);
    }
    return this.users.slice(0, count);
  }
}

/** `POST /room {user1, user2}` as `a`: creates (or returns) the private room of a and b. */
export async function createPrivateRoom(url: string, a: BenchUser, b: BenchUser): Promise<RoomSummary> {
  const res = await fetch(`${url}/room`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: a.cookie },
    body: JSON.stringify({ user1: a.id, user2: b.id }),
  });
  const body: unknown = await res.json().catch(() => null);
  if (res.status !== 200 && res.status !== 201) throw new Error(`POST /room ${a.id},${b.id}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return RoomSummary.parse(body);
}
