import { GENERAL_ROOM_ID, privateRoomId, type ChatMessage } from "../../protocol/index.js";
import type { Redis } from "../redis/connection.js";
import { keys } from "../redis/keys.js";
import { scoreFromMessageId } from "./message-ids.js";
import type { Rooms } from "./rooms.js";
import type { Users } from "./users.js";

export const DEMO_USERS = ["Pablo", "Joe", "Mary", "Alex"] as const;
export const DEMO_PASSWORD = "password123";

const GREETINGS = ["Hello!", "How are you?", "Hi there!", "Hey, good to see you here."];
const GENERAL_CHAT: [number, string][] = [
  [0, "Hello everyone! Welcome to the General room."],
  [1, "Hi Pablo! Glad to be here."],
  [2, "Morning all. Has anyone tried the new build?"],
  [3, "Yes, it's much faster. Messages show up instantly."],
  [0, "Redis pub/sub keeps every server in sync."],
  [1, "And history is a sorted set per room, so paging is cheap."],
  [2, "Nice. Private rooms work too: click someone's name."],
  [3, "See you all later!"],
];

/**
 * Fills an empty database the seed's way: when `total_users` does not exist. Only the instance that
 * wins `SET total_users 0 NX` writes, so instances starting together do not create users twice.
 */
export async function createDemoDataIfEmpty(redis: Redis, users: Users, rooms: Rooms): Promise<boolean> {
  await rooms.ensureGeneral();
  const won = await redis.set(keys.totalUsers, "0", { condition: "NX" });
  if (won === null) return false;
  await writeDemoData(redis, users, rooms);
  return true;
}

export async function writeDemoData(redis: Redis, users: Users, rooms: Rooms): Promise<void> {
  await rooms.ensureGeneral();
  const ids: number[] = [];
  for (const name of DEMO_USERS) {
    const user = await users.create(name, DEMO_PASSWORD);
    if ("id" in user) ids.push(user.id);
  }
  const nowMicros = Date.now() * 1000;
  const halfHour = 30 * 60 * 1_000_000;
  const writes: Promise<unknown>[] = [];
  const add = (roomId: string, from: number, text: string, micros: number) => {
    const id = String(micros);
    const message: ChatMessage = { id, from, date: Math.floor(micros / 1_000_000), message: text, roomId };
    writes.push(redis.zAdd(keys.room(roomId), { score: Number(scoreFromMessageId(id)), value: JSON.stringify(message) }));
  };
  GENERAL_CHAT.forEach(([who, text], i) => {
    const from = ids[who % ids.length];
    if (from !== undefined) add(GENERAL_ROOM_ID, from, text, nowMicros - halfHour + Math.round((i * halfHour) / GENERAL_CHAT.length));
  });
  let n = 0;
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const a = ids[i]!;
      const b = ids[j]!;
      const roomId = privateRoomId(a, b);
      await rooms.addPrivateMembers(roomId);
      add(roomId, a, GREETINGS[n++ % GREETINGS.length]!, nowMicros - halfHour + n * 60_000_000);
    }
  }
  await Promise.all(writes);
}
