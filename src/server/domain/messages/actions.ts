import type {
  ChangesPage,
  ChatMessage,
  MessageDeleted,
  MessageUpdated,
  Reaction,
  ReactionUpdated,
} from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { attachExtras, type Messages } from "../messages.js";
import type { Rooms } from "../rooms.js";
import type { Roles } from "../users/role.js";
import { readChanges } from "./changes.js";
import { MessageEdits } from "./edits.js";
import type { Mentions } from "./mentions.js";
import { MessageReactions } from "./reactions.js";
import { RateLimited, type UserBudget } from "../rate-limits.js";
import type { SearchIndex } from "../search/index.js";

/** A refusal both transports show as is: REST as `{message}` with `status`, the socket as `{ok: false, error}`. */
export type Refused = { ok: false; status: 403 | 404 | 409; error: string } | { ok: false; status: 429; error: string; retryAfterMs: number };
export type Outcome<T> = { ok: true; value: T } | Refused;

const NOT_MEMBER: Refused = { ok: false, status: 403, error: "You are not a member of this room" };
const NO_MESSAGE: Refused = { ok: false, status: 404, error: "No such message in this room" };

/**
 * What a user may do to stored messages, the same over REST and the socket: the membership and
 * authorship rules, then the one-script change (edits.ts, reactions.ts). Changes are published on
 * `MESSAGES` with `serverId`; the transport delivers them to this instance's sockets itself, or
 * passes a serverId that is not this instance's so that the bridge does (see routes/message-actions.ts).
 */
export class MessageActions {
  readonly edits: MessageEdits;
  readonly reactions: MessageReactions;
  /** Told of every message deleted here (its files go with it); must not throw. */
  readonly deletedListeners: ((message: ChatMessage) => Promise<void>)[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly messages: Messages,
    private readonly rooms: Rooms,
    private readonly roles: Roles,
    private readonly mentions: Mentions,
    /** Edits, deletions and reactions per user (MESSAGE_ACTION_RATE_LIMIT), the same for both transports. */
    private readonly budget?: UserBudget,
    search?: SearchIndex,
  ) {
    this.edits = new MessageEdits(redis, messages.bus, search);
    this.reactions = new MessageReactions(redis, messages.bus);
  }

  /** 403, or 404 for a room that does not exist (deleted). */
  private async notMember(roomId: string): Promise<Refused> {
    return { ...NOT_MEMBER, status: await this.rooms.refusalStatus(roomId) };
  }

  /** One message with its reactions and link previews, for a member. */
  async get(userId: number, roomId: string, id: string): Promise<Outcome<ChatMessage>> {
    if (!(await this.rooms.isMember(userId, roomId))) return this.notMember(roomId);
    const found = await this.messages.find(roomId, id);
    if (!found) return NO_MESSAGE;
    const [message] = await attachExtras(this.redis, roomId, [found.message]);
    return { ok: true, value: message! };
  }

  /** The author edits their message; mentions are recognised again in the new text. */
  async edit(userId: number, roomId: string, id: string, text: string, serverId: string): Promise<Outcome<MessageUpdated>> {
    const limited = await this.overBudget(userId);
    if (limited) return limited;
    if (!(await this.rooms.isMember(userId, roomId))) return this.notMember(roomId);
    const mentions = await this.mentions.resolve(roomId, text);
    const result = await this.edits.edit(roomId, id, userId, text, mentions, serverId);
    if (result.status === "not-found") return NO_MESSAGE;
    if (result.status === "forbidden") return { ok: false, status: 403, error: "Only its author can edit a message" };
    return { ok: true, value: result.change };
  }

  /**
   * The author, or an administrator, deletes a message. Administrators moderate every room, so for
   * them membership is not required (a room that does not exist answers "no such message").
   */
  async delete(userId: number, roomId: string, id: string, serverId: string): Promise<Outcome<MessageDeleted>> {
    const limited = await this.overBudget(userId);
    if (limited) return limited;
    if (!(await this.rooms.isMember(userId, roomId)) && !(await this.roles.isAdmin(userId))) return this.notMember(roomId);
    const result = await this.edits.delete(roomId, id, userId, () => this.roles.isAdmin(userId), serverId);
    if (result.status === "not-found") return NO_MESSAGE;
    if (result.status === "forbidden") {
      return { ok: false, status: 403, error: "Only its author or an administrator can delete a message" };
    }
    for (const listener of this.deletedListeners) await listener(result.message);
    return { ok: true, value: result.change };
  }

  /**
   * A member adds (`add`) or removes a reaction. `change` is undefined when nothing changed (the
   * reaction was already there / not there); `reactions` is the message's reactions either way.
   */
  async react(
    userId: number,
    roomId: string,
    id: string,
    emoji: string,
    add: boolean,
    serverId: string,
  ): Promise<Outcome<{ reactions: Reaction[]; change?: ReactionUpdated }>> {
    const limited = await this.overBudget(userId);
    if (limited) return limited;
    if (!(await this.rooms.isMember(userId, roomId))) return this.notMember(roomId);
    const result = await this.reactions.react(roomId, id, userId, emoji, add, serverId);
    if (result.status === "not-found") return NO_MESSAGE;
    if (result.status === "too-many") return { ok: false, status: 409, error: "This message has as many different reactions as it can take" };
    if (result.status === "unchanged") return { ok: true, value: { reactions: result.reactions } };
    return { ok: true, value: { reactions: result.change.reactions, change: result.change } };
  }

  /** A refusal when the user has used up their budget of message actions, else undefined (one point taken). */
  private async overBudget(userId: number): Promise<Refused | undefined> {
    const waitMs = (await this.budget?.take(userId)) ?? 0;
    if (waitMs === 0) return undefined;
    const limited = new RateLimited("Too many edits, deletions and reactions", waitMs);
    return { ok: false, status: 429, error: limited.message, retryAfterMs: waitMs };
  }

  /** The room's changes after `since`, for a member (see changes.ts). */
  async changes(userId: number, roomId: string, since: string | undefined, size: number): Promise<Outcome<ChangesPage>> {
    if (!(await this.rooms.isMember(userId, roomId))) return this.notMember(roomId);
    return { ok: true, value: await readChanges(this.redis, roomId, since, size) };
  }
}
