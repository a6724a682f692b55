import type { RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DirectoryRoom, ReadState, RoomDetails, UserRoom } from "../../src/protocol/index.js";
import { api, connect, send, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { rawRedis, signUp } from "../resilience/helpers.js";

/**
 * Issue 9's room routes against a real Redis: every route, its permissions and its refusals, and
 * the seed's keys a server written to the seed reads.
 */
let redis: RedisServerHandle;
let server: RunningChatServer;
let raw: RedisClientType;
let admin: SignedIn, owner: SignedIn, member: SignedIn, outsider: SignedIn, other: SignedIn;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  redis = await startRedis();
  server = await startChatServer({ redisUrl: redis.url });
  // The first account a person creates is the administrator.
  [admin, owner, member, outsider, other] = await signUp(server.url, "root", "olga", "mike", "otto", "pat");
  raw = await rawRedis(redis.url);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await raw?.close();
  await server?.close();
  await redis?.stop();
});

const call = (who: SignedIn, method: string, path: string, body?: unknown) =>
  api(server.url, path, who.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

async function createRoom(who: SignedIn, body: Record<string, unknown>): Promise<RoomDetails> {
  const res = await call(who, "POST", "/rooms", body);
  if (res.status !== 201) throw new Error(`POST /rooms: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as RoomDetails;
}

async function socketOf(who: SignedIn): Promise<ClientSocket> {
  const socket = await connect(server.url, who.cookie, { batch: true });
  sockets.push(socket);
  return socket;
}

describe("creating rooms", () => {
  it("POST /rooms with a name creates an open room owned by its creator, with the members named", async () => {
    const room = await createRoom(owner, { name: "  Design  ", topic: "pixels", members: [member.user.id] });
    expect(room).toMatchObject({ name: "Design", topic: "pixels", visibility: "open", kind: "room", ownerId: owner.user.id, memberCount: 2, canManage: true });
    expect(room.id).toMatch(/^[1-9]\d*$/);
    expect(room.members.map((m) => m.id).sort()).toEqual([owner.user.id, member.user.id].sort());
    expect(room.members.find((m) => m.id === owner.user.id)).toMatchObject({ username: "olga", role: "member" });
  });

  it("writes the seed's keys: room:{id}:name, each member's user:{id}:rooms, and room:{id} for messages", async () => {
    const room = await createRoom(owner, { name: "Seedable", visibility: "closed", members: [member.user.id] });
    expect(await raw.get(`room:${room.id}:name`)).toBe("Seedable");
    expect(await raw.sIsMember(`user:${owner.user.id}:rooms`, room.id)).toBe(1);
    expect(await raw.sIsMember(`user:${member.user.id}:rooms`, room.id)).toBe(1);
    expect(await raw.sIsMember(`user:${outsider.user.id}:rooms`, room.id)).toBe(0);
    const socket = await socketOf(member);
    const ack = await send(socket, { roomId: room.id, message: "stored where the seed looks" });
    expect(ack.ok).toBe(true);
    const stored = await raw.zRange(`room:${room.id}`, 0, -1);
    expect(stored.map((m) => JSON.parse(m).message)).toEqual(["stored where the seed looks"]);
  });

  it("room ids come from a counter of ours and never collide with General or private rooms", async () => {
    const ids = await Promise.all([1, 2, 3].map((i) => createRoom(owner, { name: `counted ${i}` }).then((r) => r.id)));
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) {
      expect(id).not.toBe("0");
      expect(id).not.toContain(":");
    }
  });

  it("skips an id whose room:{id}:name a seed server already wrote", async () => {
    const next = Number(await raw.get("rooms:counter")) + 1;
    await raw.set(`room:${next}:name`, "theirs");
    const room = await createRoom(owner, { name: "ours" });
    expect(room.id).not.toBe(String(next));
    expect(await raw.get(`room:${next}:name`)).toBe("theirs");
  });

  it("refuses a name that is empty, too long or has control characters, and unknown members", async () => {
    for (const name of ["   ", "x".repeat(81), "bad\u0007name"]) {
      expect((await call(owner, "POST", "/rooms", { name })).status).toBe(400);
    }
    expect((await call(owner, "POST", "/rooms", {})).status).toBe(400);
    expect((await call(owner, "POST", "/rooms", { name: "ok", visibility: "secret" })).status).toBe(400);
    const unknown = await call(owner, "POST", "/rooms", { name: "ok", members: [9999] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/No such user/);
  });
});

describe("one open room per name, ignoring case", () => {
  it("a new open room named like an existing one in any case is refused with 409 and a message; a closed one may share it", async () => {
    await createRoom(owner, { name: "Unique-Name" });
    const again = await call(other, "POST", "/rooms", { name: "unique-NAME" });
    expect(again.status).toBe(409);
    expect((again.body as { message: string }).message).toMatch(/already named “unique-NAME”/);
    const closed = await call(other, "POST", "/rooms", { name: "unique-name", visibility: "closed" });
    expect(closed.status).toBe(201);
    // Opening that closed room would make two open rooms of one name.
    expect((await call(other, "PATCH", `/room/${(closed.body as RoomDetails).id}`, { visibility: "open" })).status).toBe(409);
  });

  it("a rename onto another open room's name is refused; a change of case only, and the old name freed by a rename or a deletion, are fine", async () => {
    const first = await createRoom(owner, { name: "alpha-room" });
    const second = await createRoom(owner, { name: "beta-room" });
    expect((await call(owner, "PATCH", `/room/${second.id}`, { name: "ALPHA-room" })).status).toBe(409);
    expect((await call(owner, "PATCH", `/room/${first.id}`, { name: "Alpha-Room" })).status).toBe(200);
    expect((await call(owner, "PATCH", `/room/${first.id}`, { name: "gamma-room" })).status).toBe(200);
    expect((await call(owner, "PATCH", `/room/${second.id}`, { name: "alpha-room" })).status).toBe(200);
    expect((await call(owner, "DELETE", `/room/${second.id}`)).status).toBe(200);
    expect((await call(other, "POST", "/rooms", { name: "alpha-room" })).status).toBe(201);
    // Closing a room frees its name for an open one.
    const third = await createRoom(owner, { name: "delta-room" });
    expect((await call(owner, "PATCH", `/room/${third.id}`, { visibility: "closed" })).status).toBe(200);
    expect((await call(other, "POST", "/rooms", { name: "Delta-Room" })).status).toBe(201);
  });

  it("of eight creates of one name at once, exactly one wins and the others get 409; no half-made room is left", async () => {
    const counterBefore = Number(await raw.get("rooms:counter"));
    const answers = await Promise.all([owner, member, outsider, other, owner, member, outsider, other].map((who, i) =>
      call(who, "POST", "/rooms", { name: i % 2 ? "Race-Room" : "race-room" })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const winner = answers.find((a) => a.status === 201)!.body as RoomDetails;
    expect(await raw.get("rooms:name:race-room")).toBe(winner.id);
    const counterAfter = Number(await raw.get("rooms:counter"));
    const named = [];
    for (let id = counterBefore + 1; id <= counterAfter; id++) if ((await raw.get(`room:${id}:name`)) !== null) named.push(String(id));
    expect(named).toEqual([winner.id]);
  });

  it("two renames onto one free name at once: exactly one wins", async () => {
    const [x, y] = [await createRoom(owner, { name: "x-room" }), await createRoom(owner, { name: "y-room" })];
    const answers = await Promise.all([x, y].map((r) => call(owner, "PATCH", `/room/${r.id}`, { name: "z-room" })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
  });

  it("a name claimed by a room that no longer has it (a rename, close or delete stopped half-way) is taken over", async () => {
    // A rename that claimed its new name and stopped before writing it.
    const renaming = await createRoom(owner, { name: "was-renaming" });
    await raw.set("rooms:name:left-by-rename", renaming.id);
    const afterRename = await call(other, "POST", "/rooms", { name: "Left-By-Rename" });
    expect(afterRename.status).toBe(201);
    expect(await raw.get("rooms:name:left-by-rename")).toBe((afterRename.body as RoomDetails).id);
    // The room that stopped half-way keeps its own name and claim.
    expect(await raw.get(`room:${renaming.id}:name`)).toBe("was-renaming");
    expect((await call(other, "POST", "/rooms", { name: "was-renaming" })).status).toBe(409);

    // A close that stopped before giving the name up.
    const closing = await createRoom(owner, { name: "left-by-close" });
    await raw.hSet(`{room:${closing.id}}:meta`, "visibility", "closed");
    await raw.zRem("rooms:directory", closing.id);
    const renamed = await createRoom(other, { name: "placeholder" });
    expect((await call(other, "PATCH", `/room/${renamed.id}`, { name: "Left-By-Close" })).status).toBe(200);
    expect(await raw.get("rooms:name:left-by-close")).toBe(renamed.id);

    // A deletion that stopped after the room's records went.
    const deleting = await createRoom(owner, { name: "left-by-delete" });
    await raw.del([`room:${deleting.id}:name`, `{room:${deleting.id}}:meta`]);
    expect((await call(other, "POST", "/rooms", { name: "left-by-delete" })).status).toBe(201);
  });

  it("a claim in progress is not stale: a room claiming a name it has not written yet keeps it", async () => {
    const claiming = await createRoom(owner, { name: "before-rename" });
    await raw.set("rooms:name:mid-rename", claiming.id);
    await raw.set(`{room:${claiming.id}}:name-claiming`, "mid-rename", { PX: 60_000 });
    expect((await call(other, "POST", "/rooms", { name: "Mid-Rename" })).status).toBe(409);
    expect(await raw.get("rooms:name:mid-rename")).toBe(claiming.id);
    // Its rename finishing is then its own claim, settled.
    expect((await call(owner, "PATCH", `/room/${claiming.id}`, { name: "mid-rename" })).status).toBe(200);
    expect(await raw.exists(`{room:${claiming.id}}:name-claiming`)).toBe(0);
    expect((await call(other, "POST", "/rooms", { name: "before-rename" })).status).toBe(201);
  });

  it("of eight rooms taking over one stale name at once, exactly one wins", async () => {
    const stale = await createRoom(owner, { name: "stale-holder" });
    await raw.set("rooms:name:contested", stale.id);
    const renamers = await Promise.all([1, 2, 3, 4].map((i) => createRoom(other, { name: `renamer-${i}` })));
    const answers = await Promise.all([
      ...[owner, member, outsider, other].map((who) => call(who, "POST", "/rooms", { name: "Contested" })),
      ...renamers.map((r) => call(other, "PATCH", `/room/${r.id}`, { name: "contested" })),
    ]);
    const winners = answers.filter((a) => a.status !== 409);
    expect(winners).toHaveLength(1);
    expect([200, 201]).toContain(winners[0]!.status);
    const winner = winners[0]!.body as RoomDetails;
    expect(winner.name.toLowerCase()).toBe("contested");
    expect(await raw.get("rooms:name:contested")).toBe(winner.id);
    // Every loser still has its own name.
    for (const r of renamers.filter((r) => r.id !== winner.id)) expect(await raw.get(`room:${r.id}:name`)).toBe(r.name);
  });

  it("at start, an open room whose name's claim was left to a room that no longer has it takes the claim back", async () => {
    const room = await createRoom(owner, { name: "kept-name" });
    const stale = await createRoom(owner, { name: "stale-elsewhere" });
    // A rename of `stale` onto the name that claimed it and stopped half-way, as a crash leaves it.
    await raw.set("rooms:name:kept-name", stale.id);
    const restarted = await startChatServer({ redisUrl: redis.url });
    try {
      expect(await raw.get("rooms:name:kept-name")).toBe(room.id);
      expect(await raw.exists(`{room:${room.id}}:name-claiming`)).toBe(0);
      expect((await call(other, "POST", "/rooms", { name: "Kept-Name" })).status).toBe(409);
    } finally {
      await restarted.close();
    }
  });

  it("the seed's General keeps its name and is not claimed", async () => {
    expect(await raw.get("room:0:name")).toBe("General");
    expect((await call(other, "POST", "/rooms", { name: "general" })).status).toBe(201);
  });
});

describe("group conversations", () => {
  it("POST /rooms {members} makes a closed group named by its people; the same people get the same room", async () => {
    const first = await call(owner, "POST", "/rooms", { members: [member.user.id, outsider.user.id] });
    expect(first.status).toBe(201);
    const group = first.body as RoomDetails;
    expect(group).toMatchObject({ kind: "group", visibility: "closed", name: "mike, olga, otto", memberCount: 3 });
    // Someone else of the same three, listing them in another order, including themselves.
    const again = await call(outsider, "POST", "/rooms", { members: [owner.user.id, outsider.user.id, member.user.id] });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(group.id);
    const listed = (await call(member, "GET", `/rooms/${member.user.id}`)).body as UserRoom[];
    expect(listed.find((r) => r.id === group.id)).toMatchObject({ kind: "group", name: "mike, olga, otto", names: ["mike, olga, otto"] });
  });

  it("concurrent openings of one group make one room", async () => {
    const answers = await Promise.all(
      [owner, member, other].map((who) => call(who, "POST", "/rooms", { members: [owner.user.id, member.user.id, other.user.id] })),
    );
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
  });

  it("refuses a group of fewer than 3 people", async () => {
    const res = await call(owner, "POST", "/rooms", { members: [member.user.id] });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/at least 3/);
  });

  it("a group cannot be renamed or opened", async () => {
    const group = (await call(owner, "POST", "/rooms", { members: [member.user.id, other.user.id, outsider.user.id] })).body as RoomDetails;
    expect((await call(owner, "PATCH", `/room/${group.id}`, { name: "named" })).status).toBe(400);
    expect((await call(owner, "PATCH", `/room/${group.id}`, { visibility: "open" })).status).toBe(400);
    expect((await call(owner, "PATCH", `/room/${group.id}`, { topic: "plans" })).status).toBe(200);
  });
});

describe("the directory and room details", () => {
  it("GET /rooms lists open rooms with member counts and whether one joined; closed rooms are not listed", async () => {
    const open = await createRoom(owner, { name: "Lobby of the directory" });
    const closed = await createRoom(owner, { name: "Hidden", visibility: "closed" });
    const directory = (await call(outsider, "GET", "/rooms")).body as DirectoryRoom[];
    expect(directory.find((r) => r.id === open.id)).toEqual({
      id: open.id, name: "Lobby of the directory", topic: "", visibility: "open", memberCount: 1, joined: false,
    });
    expect(directory.find((r) => r.id === closed.id)).toBeUndefined();
    const mine = (await call(owner, "GET", "/rooms")).body as DirectoryRoom[];
    expect(mine.find((r) => r.id === open.id)?.joined).toBe(true);
  });

  it("GET /room/:id: open rooms to anyone signed in, closed ones to members (403 otherwise) and administrators", async () => {
    const open = await createRoom(owner, { name: "Public details" });
    const closed = await createRoom(owner, { name: "Private details", visibility: "closed", members: [member.user.id] });
    expect((await call(outsider, "GET", `/room/${open.id}`)).status).toBe(200);
    expect((await call(outsider, "GET", `/room/${closed.id}`)).status).toBe(403);
    expect((await call(member, "GET", `/room/${closed.id}`)).body).toMatchObject({ name: "Private details", canManage: false });
    expect((await call(admin, "GET", `/room/${closed.id}`)).body).toMatchObject({ canManage: true });
    expect((await call(owner, "GET", "/room/424242")).status).toBe(404);
    expect((await call(owner, "GET", "/room/0")).body).toMatchObject({ id: "0", name: "General", kind: "general" });
    expect((await api(server.url, `/room/${open.id}`)).status).toBe(401);
  });
});

describe("managing a room", () => {
  it("PATCH /room/:id: the creator and administrators change it; members and others get 403", async () => {
    const room = await createRoom(owner, { name: "Before", members: [member.user.id] });
    expect((await call(member, "PATCH", `/room/${room.id}`, { name: "By a member" })).status).toBe(403);
    expect((await call(outsider, "PATCH", `/room/${room.id}`, { name: "By an outsider" })).status).toBe(403);
    const renamed = await call(owner, "PATCH", `/room/${room.id}`, { name: "After", topic: "new topic" });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: "After", topic: "new topic" });
    expect(await raw.get(`room:${room.id}:name`)).toBe("After");
    const closed = await call(admin, "PATCH", `/room/${room.id}`, { visibility: "closed" });
    expect(closed.body).toMatchObject({ visibility: "closed" });
    expect(((await call(outsider, "GET", "/rooms")).body as DirectoryRoom[]).some((r) => r.id === room.id)).toBe(false);
    expect((await call(owner, "PATCH", `/room/${room.id}`, {})).status).toBe(400);
  });

  it("General and private rooms cannot be changed, joined or left", async () => {
    expect((await call(admin, "PATCH", "/room/0", { name: "Renamed" })).status).toBe(403);
    expect((await call(owner, "POST", "/room/0/leave")).status).toBe(403);
    expect((await call(admin, "DELETE", "/room/0")).status).toBe(403);
    expect((await call(owner, "POST", `/room/${owner.user.id}:${member.user.id}/join`)).status).toBe(403);
  });

  it("DELETE /room/:id: managers delete the room and its history; others get 403", async () => {
    const room = await createRoom(owner, { name: "Doomed", members: [member.user.id] });
    const socket = await socketOf(member);
    expect((await send(socket, { roomId: room.id, message: "soon gone" })).ok).toBe(true);
    expect((await call(member, "DELETE", `/room/${room.id}`)).status).toBe(403);
    expect((await call(owner, "DELETE", `/room/${room.id}`)).body).toEqual({ ok: true });
    const left = (await raw.keys(`*room:${room.id}*`)).filter((k) => new RegExp(`(^|\\{)room:${room.id}(\\}|:|$)`).test(k));
    // Only the idempotency marker of the send above may linger (it expires by itself).
    expect(left.filter((k) => !k.includes(":client:"))).toEqual([]);
    expect(await raw.sIsMember(`user:${member.user.id}:rooms`, room.id)).toBe(0);
    expect((await call(member, "GET", `/room/${room.id}`)).status).toBe(404);
    expect((await call(member, "GET", `/room/${room.id}/messages`)).status).toBe(404);
    const ack = await send(socket, { roomId: room.id, message: "into the void" });
    expect(ack.ok).toBe(false);
    const audit = (await call(admin, "GET", "/admin/audit")).body as { action: string; roomId?: string }[];
    expect(audit.some((e) => e.action === "room.delete" && e.roomId === room.id)).toBe(true);
  });
});

describe("joining, leaving and members", () => {
  it("POST /room/:id/join joins an open room; a closed room is 403", async () => {
    const open = await createRoom(owner, { name: "Joinable" });
    const closed = await createRoom(owner, { name: "Not joinable", visibility: "closed" });
    const joined = await call(outsider, "POST", `/room/${open.id}/join`);
    expect(joined.status).toBe(200);
    expect(joined.body.memberCount).toBe(2);
    expect((await call(outsider, "POST", `/room/${open.id}/join`)).body.memberCount).toBe(2);
    const refused = await call(outsider, "POST", `/room/${closed.id}/join`);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/closed/);
    expect((await call(outsider, "POST", "/room/424242/join")).status).toBe(404);
  });

  it("POST /room/:id/leave: the member loses access to history and sending", async () => {
    const room = await createRoom(owner, { name: "Leavable", members: [member.user.id] });
    const socket = await socketOf(member);
    expect((await call(member, "GET", `/room/${room.id}/messages`)).status).toBe(200);
    expect((await call(member, "POST", `/room/${room.id}/leave`)).body).toEqual({ ok: true });
    expect((await call(member, "GET", `/room/${room.id}/messages`)).status).toBe(403);
    expect(await send(socket, { roomId: room.id, message: "after leaving" })).toMatchObject({ ok: false, error: "You are not a member of this room" });
    expect((await call(member, "POST", `/room/${room.id}/leave`)).status).toBe(403);
  });

  it("PUT and DELETE /room/:id/members/:userId: managers only; administrators remove anyone from any room", async () => {
    const room = await createRoom(owner, { name: "Managed", visibility: "closed" });
    expect((await call(member, "PUT", `/room/${room.id}/members/${outsider.user.id}`)).status).toBe(403);
    const added = await call(owner, "PUT", `/room/${room.id}/members/${member.user.id}`);
    expect(added.status).toBe(200);
    expect((added.body as RoomDetails).members.map((m) => m.id)).toContain(member.user.id);
    expect((await call(owner, "PUT", `/room/${room.id}/members/9999`)).status).toBe(404);
    expect((await call(member, "DELETE", `/room/${room.id}/members/${owner.user.id}`)).status).toBe(403);
    expect((await call(outsider, "GET", `/room/${room.id}/messages`)).status).toBe(403);
    // The administrator is no member and not the creator.
    expect((await call(admin, "DELETE", `/room/${room.id}/members/${member.user.id}`)).body).toEqual({ ok: true });
    expect((await call(member, "GET", `/room/${room.id}/messages`)).status).toBe(403);
    expect((await call(admin, "DELETE", `/room/${room.id}/members/${member.user.id}`)).status).toBe(404);
    const audit = (await call(admin, "GET", "/admin/audit")).body as { action: string; userId?: number; roomId?: string }[];
    expect(audit.some((e) => e.action === "room.member.remove" && e.userId === member.user.id && e.roomId === room.id)).toBe(true);
  });

  it("a non-member's room.join, history and sends are refused", async () => {
    const room = await createRoom(owner, { name: "Members only", visibility: "closed" });
    const socket = await socketOf(outsider);
    expect(await socket.emitWithAck("room.join", room.id)).toEqual({ ok: false, error: "You are not a member of this room" });
    expect((await send(socket, { roomId: room.id, message: "let me in" })).ok).toBe(false);
    expect((await call(outsider, "GET", `/room/${room.id}/messages`)).status).toBe(403);
    expect(await raw.zCard(`room:${room.id}`)).toBe(0);
  });
});

describe("read state", () => {
  it("GET /rooms/:userId lists the new rooms with name, kind and read state; PUT /room/:id/read moves it forward only", async () => {
    const room = await createRoom(owner, { name: "Reading", members: [member.user.id] });
    const socket = await socketOf(owner);
    const ids: string[] = [];
    for (const text of ["one", "two", "three"]) {
      const ack = await send(socket, { roomId: room.id, message: text });
      if (!ack.ok) throw new Error(ack.error);
      ids.push(ack.message.id);
    }
    const listed = () => call(member, "GET", `/rooms/${member.user.id}`).then((r) => (r.body as UserRoom[]).find((x) => x.id === room.id));
    expect(await listed()).toMatchObject({ name: "Reading", names: ["Reading"], kind: "room", visibility: "open", unread: 3, lastRead: null });
    // One's own messages are read: the store script moved the sender's marker.
    const ownersView = ((await call(owner, "GET", `/rooms/${owner.user.id}`)).body as UserRoom[]).find((x) => x.id === room.id);
    expect(ownersView).toMatchObject({ unread: 0, lastRead: ids[2] });
    const marked = await call(member, "PUT", `/room/${room.id}/read`, { messageId: ids[1] });
    expect(marked.body as ReadState).toEqual({ roomId: room.id, lastRead: ids[1], unread: 1 });
    expect(await listed()).toMatchObject({ unread: 1, lastRead: ids[1] });
    // Never backwards.
    expect((await call(member, "PUT", `/room/${room.id}/read`, { messageId: ids[0] })).body).toMatchObject({ lastRead: ids[1], unread: 1 });
    // A made-up id far ahead is clamped to the newest message.
    expect((await call(member, "PUT", `/room/${room.id}/read`, { messageId: "99999999999999999" })).body).toMatchObject({ lastRead: ids[2], unread: 0 });
    expect((await call(outsider, "PUT", `/room/${room.id}/read`, { messageId: ids[2] })).status).toBe(403);
    expect((await call(member, "PUT", `/room/${room.id}/read`, { messageId: "abc" })).status).toBe(400);
  });

  it("a newcomer starts with General read", async () => {
    const socket = await socketOf(owner);
    expect((await send(socket, { roomId: "0", message: "before the newcomer" })).ok).toBe(true);
    const [newcomer] = await signUp(server.url, "newcomer");
    const general = ((await call(newcomer!, "GET", `/rooms/${newcomer!.user.id}`)).body as UserRoom[])[0];
    expect(general).toMatchObject({ id: "0", unread: 0 });
    expect(general!.lastRead).not.toBeNull();
  });

  it("works for General and private rooms too, and a member added later starts with nothing unread", async () => {
    const socket = await socketOf(owner);
    const ack = await send(socket, { roomId: "0", message: "general news" });
    if (!ack.ok) throw new Error(ack.error);
    expect((await call(other, "PUT", "/room/0/read", { messageId: ack.message.id })).body).toMatchObject({ lastRead: ack.message.id, unread: 0 });
    const room = await createRoom(owner, { name: "History before you" });
    expect((await send(socket, { roomId: room.id, message: "old news" })).ok).toBe(true);
    await call(other, "POST", `/room/${room.id}/join`);
    const listed = ((await call(other, "GET", `/rooms/${other.user.id}`)).body as UserRoom[]).find((r) => r.id === room.id);
    expect(listed).toMatchObject({ unread: 0 });
  });
});
