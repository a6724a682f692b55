import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage, SearchPage } from "../../src/protocol/index.js";
import { parseQuery } from "../../src/server/domain/search/query.js";
import { foldText, indexTerms } from "../../src/server/domain/search/text.js";
import { api, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

describe("search folds words the same way for the index and the query", () => {
  it("folds ß to ss, ligatures, final sigma, stroke letters, case and accents", () => {
    expect(foldText("Straße")).toBe("strasse");
    expect(foldText("STRAẞE")).toBe("strasse");
    expect(foldText("ﬁle ﬂow")).toBe("file flow");
    expect(foldText("ΟΔΟΣ")).toBe(foldText("οδός"));
    expect(foldText("Łódź")).toBe("lodz");
    expect(foldText("cœur Ærø")).toBe("coeur aero");
    expect(foldText("Diyarbakır İstanbul")).toBe("diyarbakir istanbul");
    expect(foldText("ｓｔｒａｓｓｅ")).toBe("strasse");
  });

  it("indexes a message under the folded terms, and a query of either spelling looks up the same term", () => {
    expect(indexTerms({ message: "Die Straße zum ﬁle" })).toEqual(["die", "strasse", "zum", "file"]);
    for (const q of ["straße", "strasse", "STRASSE", "Straße"]) expect(parseQuery(q).terms).toEqual([{ term: "strasse", prefix: true }]);
    expect(parseQuery('"die straße"').phrases).toEqual([["die", "strasse"]]);
  });

  it("reads quoted names of from: and in:, and leaves other quotes as phrases", () => {
    const parsed = parseQuery('from:"Anna Müller" in:"Release train" "big deploy" late');
    expect(parsed.from).toBe("Anna Müller");
    expect(parsed.inRoomName).toBe("Release train");
    expect(parsed.phrases).toEqual([["big", "deploy"]]);
    expect(parsed.terms.map((t) => t.term)).toEqual(["big", "deploy", "late"]);
  });
});

/**
 * `from:` means a person by username or display name, case and accents aside, and `in:#room` a
 * room by its name the same way; `strasse` finds "Straße" (and the other way round).
 */
describe("GET /search by people's and rooms' names, and across spellings", () => {
  const db = usePrivateRedis();
  let server: RunningChatServer;
  let anna: SignedIn, annika: SignedIn, bob: SignedIn, mueller: SignedIn;

  beforeAll(async () => {
    server = await startChatServer({ redisUrl: db.redis.url, searchSweepMs: 0 });
    [anna, annika, bob, mueller] = await signUp(server.url, "anna", "annika", "bob", "mueller");
    const named = async (who: SignedIn, displayName: string) =>
      expect((await api(server.url, "/me/profile", who.cookie, { method: "PATCH", body: JSON.stringify({ displayName }) })).status).toBe(200);
    await named(anna, "Anna Müller");
    await named(annika, "Annika Straße");
    await named(bob, "Bob");
    // A username that is also a word of someone else's display name: the username wins.
    await named(mueller, "Hans Weber");
  });
  afterAll(async () => server?.close());

  const post = async (who: SignedIn, roomId: string, message: string): Promise<ChatMessage> => {
    const res = await api(server.url, `/room/${encodeURIComponent(roomId)}/messages`, who.cookie, { method: "POST", body: JSON.stringify({ message }) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as ChatMessage;
  };
  const search = async (who: SignedIn, q: string, params: Record<string, string> = {}): Promise<SearchPage> => {
    const res = await api(server.url, `/search?${new URLSearchParams({ q, ...params })}`, who.cookie);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as SearchPage;
  };
  const texts = (page: SearchPage) => page.results.map((r) => r.message.message);

  it("from: finds a person by display name, whole or one word of it, in any case and with or without accents", async () => {
    await post(anna, "0", "rota from anna");
    await post(annika, "0", "rota from annika");
    await post(bob, "0", "rota from bob");
    await post(mueller, "0", "rota from hans");
    for (const q of ["rota from:Müller", "rota from:muller", "rota from:MULLER", 'rota from:"Anna Müller"', 'rota from:"anna muller"']) {
      expect(texts(await search(bob, q)), q).toEqual(["rota from anna"]);
    }
    expect(texts(await search(bob, "rota from:strasse"))).toEqual(["rota from annika"]);
    expect(texts(await search(bob, "rota from:Weber"))).toEqual(["rota from hans"]);
    expect(texts(await search(bob, "rota", { from: "Annika Straße" }))).toEqual(["rota from annika"]);
  });

  it("from: with a username is that person only (exactly, or in another case), before any display name", async () => {
    // "anna" is a username, and a word of Anna Müller's display name only: one person either way.
    expect(texts(await search(bob, "rota from:anna"))).toEqual(["rota from anna"]);
    expect(texts(await search(bob, "rota from:ANNIKA"))).toEqual(["rota from annika"]);
    // "mueller" is Hans Weber's username: not Anna Müller, whose name folds to "muller".
    expect(texts(await search(bob, "rota from:mueller"))).toEqual(["rota from hans"]);
  });

  it("from: that several people's names hold finds the messages of any of them", async () => {
    await post(bob, "0", "standup notes");
    const ids = await api(server.url, "/me/profile", bob.cookie, { method: "PATCH", body: JSON.stringify({ displayName: "Bob Müller" }) });
    expect(ids.status).toBe(200);
    await post(anna, "0", "standup moved");
    await post(annika, "0", "standup cancelled");
    // Display names are read again after at most 10 s (a search is typed a letter at a time).
    await expect.poll(async () => texts(await search(annika, "standup from:müller")), { timeout: 15_000, interval: 500 })
      .toEqual(["standup moved", "standup notes"]);
    expect(texts(await search(annika, "standup from:nobody"))).toEqual([]);
  });

  it("in:#room finds a room by its name in any case and with or without accents", async () => {
    const created = await api(server.url, "/rooms", anna.cookie, { method: "POST", body: JSON.stringify({ name: "Équipe Zürich", members: [bob.user.id] }) });
    expect(created.status).toBe(201);
    const room = String(created.body.id);
    await post(anna, room, "fondue friday");
    await post(anna, "0", "fondue in general");
    for (const q of ['fondue in:"equipe zurich"', 'fondue in:"Équipe Zürich"', 'fondue in:"ÉQUIPE ZURICH"']) {
      expect(texts(await search(bob, q)), q).toEqual(["fondue friday"]);
    }
    // The whole name, not a word of it.
    const part = await api(server.url, `/search?${new URLSearchParams({ q: "fondue in:#equipe" })}`, bob.cookie);
    expect([part.status, part.body.message]).toEqual([400, "None of your rooms is named “equipe”"]);
  });

  it("in: finds a room by its name typed as a slug, hyphens, underscores and dots read as spaces", async () => {
    const created = await api(server.url, "/rooms", anna.cookie, { method: "POST", body: JSON.stringify({ name: "Design Team", members: [bob.user.id] }) });
    expect(created.status).toBe(201);
    await post(anna, String(created.body.id), "mockups for the launch");
    await post(anna, "0", "mockups in general");
    for (const q of ["mockups in:#design-team", "mockups in:design_team", "mockups in:DESIGN.TEAM", "mockups in:#Design--Team", 'mockups in:"Design Team"']) {
      expect(texts(await search(bob, q)), q).toEqual(["mockups for the launch"]);
    }
    // An open room one is not in is named by its slug too, with the way to join it.
    const outside = await api(server.url, `/search?${new URLSearchParams({ q: "mockups in:#design-team" })}`, mueller.cookie);
    expect([outside.status, outside.body.message]).toEqual([403, "You are not a member of “Design Team”: join it from Browse rooms to search it"]);
  });

  it("in: with a hyphenated name means the room of that very name first, then the one it reads as", async () => {
    const literal = await api(server.url, "/rooms", anna.cookie, { method: "POST", body: JSON.stringify({ name: "release-notes", members: [bob.user.id] }) });
    const spaced = await api(server.url, "/rooms", anna.cookie, { method: "POST", body: JSON.stringify({ name: "Release Notes", members: [bob.user.id] }) });
    expect([literal.status, spaced.status]).toEqual([201, 201]);
    await post(anna, String(literal.body.id), "changelog in release-notes");
    await post(anna, String(spaced.body.id), "changelog in Release Notes");
    expect(texts(await search(bob, "changelog in:#release-notes"))).toEqual(["changelog in release-notes"]);
    expect(texts(await search(bob, "changelog in:#RELEASE-NOTES"))).toEqual(["changelog in release-notes"]);
    expect(texts(await search(bob, 'changelog in:"release notes"'))).toEqual(["changelog in Release Notes"]);
  });

  it("finds Straße by strasse and strasse by Straße, ligatures by their letters, and highlights the word as written", async () => {
    const sent = await post(anna, "0", "Treffen in der Hauptstraße um ﬁve");
    await post(anna, "0", "the strasse sign is down");
    expect(texts(await search(bob, "hauptstrasse"))).toEqual(["Treffen in der Hauptstraße um ﬁve"]);
    expect(texts(await search(bob, "HAUPTSTRAẞE"))).toEqual(["Treffen in der Hauptstraße um ﬁve"]);
    expect(texts(await search(bob, "straße"))).toEqual(["the strasse sign is down"]);
    expect(texts(await search(bob, "strasse"))).toEqual(["the strasse sign is down"]);
    expect(texts(await search(bob, '"hauptstrasse um five"'))).toEqual(["Treffen in der Hauptstraße um ﬁve"]);
    const page = await search(bob, "five hauptstr");
    expect(page.results[0]!.ranges.map(([s, e]) => sent.message.slice(s, e))).toEqual(["Hauptstraße", "ﬁve"]);
  });
});
