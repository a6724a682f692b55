import { eventually } from "./chat-client.js";
import { cli, type RedisClusterHandle } from "./redis-cluster.js";

/** A slot on its way from one master to another, keys moved, no master told yet (see beginSlotMove). */
export interface SlotMove {
  slot: string;
  /** Port of the master serving the slot until now. */
  source: number;
  /** Port of the master taking it over. */
  target: number;
  targetId: string;
  /** Ports of the masters neither giving nor taking it. */
  others: number[];
  /** Tells the master on `port` that the slot is the target's (`CLUSTER SETSLOT … NODE`). */
  assign(port: number): Promise<void>;
  /** Waits until the cluster serves the slot from the target. */
  served(): Promise<void>;
}

const portOf = (address: string) => Number(address.split(":")[1]!.split("@")[0]);

/**
 * Moves the keys of `key`'s slot to another master, as `redis-cli --cluster reshard` would, up to
 * the point where the masters are told the slot's new owner (the caller tells them, in its order).
 */
export async function beginSlotMove(cluster: RedisClusterHandle, key: string): Promise<SlotMove> {
  const source = await cluster.masterOf(key);
  const masters = (await cli(source, "cluster", "nodes")).split("\n").map((l) => l.split(" ")).filter((f) => f[2]!.includes("master") && !f[2]!.includes("fail"));
  const sourceId = await cli(source, "cluster", "myid");
  const target = masters.find((f) => f[0] !== sourceId)!;
  const [targetId, targetPort] = [target[0]!, portOf(target[1]!)];
  const slot = await cli(source, "cluster", "keyslot", key);
  await cli(targetPort, "cluster", "setslot", slot, "importing", sourceId);
  await cli(source, "cluster", "setslot", slot, "migrating", targetId);
  for (;;) {
    const keys = (await cli(source, "cluster", "getkeysinslot", slot, "100")).split("\n").filter(Boolean);
    if (keys.length === 0) break;
    await cli(source, "migrate", "127.0.0.1", String(targetPort), "", "0", "5000", "keys", ...keys);
  }
  return {
    slot,
    source,
    target: targetPort,
    targetId,
    others: masters.filter((f) => f[0] !== sourceId && f !== target).map((f) => portOf(f[1]!)),
    async assign(port) {
      await cli(port, "cluster", "setslot", slot, "node", targetId);
    },
    async served() {
      await eventually(async () => (await cluster.masterOf(key)) === targetPort, 5000, "the slot served by its new master");
    },
  };
}
