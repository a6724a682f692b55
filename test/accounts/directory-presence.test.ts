import { describe, expect, it } from "vitest";
import { Directory } from "../../src/server/domain/users/directory.js";
import { Deactivations } from "../../src/server/domain/users/deactivation.js";
import { Profiles } from "../../src/server/domain/users/profiles.js";
import { Users } from "../../src/server/domain/users.js";
import type { Redis } from "../../src/server/redis/connection.js";
import { keys } from "../../src/server/redis/keys.js";
import { usePrivateRedis } from "../support/redis-server.js";

/**
 * The people directory reads who is online, then everyone's profiles. People sign in and out
 * between those two readings (three tabs signing in at once did it in the browser tests): each of
 * them is still listed, once.
 */
const db = usePrivateRedis();

/** The real Redis, with `change` run right after the directory has read the online set. */
function changingAfterOnlineRead(redis: Redis, change: () => Promise<unknown>): Redis {
  return new Proxy(redis, {
    get(target, prop, receiver) {
      if (prop !== "sMembers") return Reflect.get(target, prop, receiver);
      return async (key: string) => {
        const members = await target.sMembers(key);
        if (key === keys.onlineUsers) await change();
        return members;
      };
    },
  });
}

function directoryOf(redis: Redis, change: () => Promise<unknown>): Directory {
  const view = changingAfterOnlineRead(redis, change);
  return new Directory(view, new Users(view), new Profiles(view, new Deactivations(view)));
}

describe("the people directory while people sign in and out", () => {
  it("someone who comes online while the page is read is listed once", async () => {
    const redis = db.raw as unknown as Redis;
    await redis.flushAll();
    const users = new Users(redis);
    const [ann, bob] = await Promise.all(["ann", "bob", "cat"].map((n) => users.create(n, "password-123")));
    const id = (u: unknown) => (u as { id: number }).id;
    await redis.sAdd(keys.onlineUsers, String(id(ann)));
    const directory = directoryOf(redis, () => redis.sAdd(keys.onlineUsers, String(id(bob))));
    const page = await directory.people({ q: "", limit: 50 });
    expect(page.people.map((p) => p.username).sort()).toEqual(["ann", "bob", "cat"]);
    expect(page.nextCursor).toBeNull();
  });

  it("someone who goes offline while the page is read is listed once", async () => {
    const redis = db.raw as unknown as Redis;
    await redis.flushAll();
    const users = new Users(redis);
    const [ann, bob] = await Promise.all(["ann", "bob", "cat"].map((n) => users.create(n, "password-123")));
    const id = (u: unknown) => (u as { id: number }).id;
    await redis.sAdd(keys.onlineUsers, [String(id(ann)), String(id(bob))]);
    const directory = directoryOf(redis, () => redis.sRem(keys.onlineUsers, String(id(bob))));
    const page = await directory.people({ q: "", limit: 50 });
    expect(page.people.map((p) => p.username).sort()).toEqual(["ann", "bob", "cat"]);
  });
});
