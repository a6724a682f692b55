import type { ChatContext } from "../context.js";
import type { ForeignPresenceHooks } from "./bridge.js";
import type { SocketGateway } from "./gateway.js";

/**
 * How this instance answers other servers' presence envelopes, so that sharing a Redis with
 * servers written to the seed keeps presence and people search right:
 *
 * - A seed server takes a user out of `online_users` on its own disconnect (`SREM`), even while one
 *   of our instances still holds a connection of theirs. When a `user.disconnected` from another
 *   server concerns a user this instance holds, it is not delivered here; the user is put back
 *   (`SADD online_users`) and, if they had been taken out, `user.connected` is announced on
 *   MESSAGES, so the seed server's clients and our other instances see them online again.
 * - A user a seed server registered is not in our name index; their `user.connected` makes the
 *   name index check for new users at once (see NameIndexSync).
 */
export function foreignPresenceHooks(ctx: ChatContext, gateway: SocketGateway): ForeignPresenceHooks {
  return {
    userConnected(user) {
      ctx.nameIndex.noteUser(user.id);
    },
    userDisconnected(user) {
      if (!ctx.presence.holds(user.id)) return false;
      ctx.presence.restoreOnline(user.id).then(
        (restored) => restored && gateway.announcePresence({ id: user.id, username: user.username }, true),
        (err) => ctx.log.warn({ err: String(err), userId: user.id }, "could not restore presence; will reconcile"),
      );
      return true;
    },
  };
}
