/** Coordinator side of the agents: fork them, send commands, await replies. */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type {
  AgentCounters, AgentReply, ConnectResult, CoordinatorToAgent, ReceiveCollect, ReceiveResult, SendPlan, SendResult, SendersReply, SocketSpec,
} from "./agent-protocol.js";
import { withTimeout } from "./limit.js";
import { sampleProc, type ProcSample } from "./procstat.js";

type Command = CoordinatorToAgent extends infer C ? (C extends { id: number } ? Omit<C, "id"> : never) : never;

export class Agent {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private constructor(readonly name: string, readonly child: ChildProcess) {
    child.on("message", (raw) => {
      const message = raw as AgentReply;
      if (message.type !== "reply") return;
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${name}: ${message.error}`));
    });
    child.on("exit", (code, signal) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`${name} exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  static async start(name: string): Promise<Agent> {
    const file = fileURLToPath(new URL("./agent.ts", import.meta.url));
    const child = fork(file, [], {
      // BENCH_AGENT_PROFILE=<dir>: profile the load generator itself (is the client the bottleneck?)
      execArgv: ["--import", "tsx", "--max-old-space-size=4096", ...(process.env.BENCH_AGENT_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_AGENT_PROFILE}`] : [])],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env },
    });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        child.once("error", reject);
        child.once("exit", (code) => reject(new Error(`${name} exited early (${code})`)));
        child.on("message", (raw) => {
          if ((raw as AgentReply).type === "ready") resolve();
        });
      }),
      30_000,
      `starting ${name}`,
    );
    return new Agent(name, child);
  }

  private request<T>(command: Command, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    const promise = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...command, id } as CoordinatorToAgent);
    });
    return withTimeout(promise, timeoutMs, `${this.name} ${command.type}`);
  }

  connect(sockets: SocketSpec[], concurrency: number, timeoutMs: number): Promise<ConnectResult> {
    return this.request({ type: "connect", sockets, concurrency, timeoutMs }, timeoutMs * Math.max(1, Math.ceil(sockets.length / concurrency)) + 60_000);
  }
  send(plan: SendPlan): Promise<SendResult> {
    return this.request({ type: "send", plan }, plan.durationMs + 60_000);
  }
  senders(): Promise<SendersReply> {
    return this.request({ type: "senders" }, 60_000);
  }
  collect(collect: ReceiveCollect): Promise<ReceiveResult> {
    return this.request({ type: "collect", collect }, 120_000);
  }
  counters(reset = false): Promise<AgentCounters> {
    return this.request({ type: "counters", reset }, 30_000);
  }
  disconnect(): Promise<number> {
    return this.request({ type: "disconnect" }, 60_000);
  }
  sample(): ProcSample | null {
    return this.child.pid ? sampleProc(this.child.pid) : null;
  }
  /** Closing the IPC channel makes the agent exit (writing its profile, if any); SIGKILL if it hangs. */
  stop(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.disconnect();
    setTimeout(() => this.child.kill("SIGKILL"), 10_000).unref();
  }
}

export async function startAgents(count: number): Promise<Agent[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => Agent.start(`agent-${i + 1}`)));
}
