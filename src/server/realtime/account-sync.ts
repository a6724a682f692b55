import { AccountLiveChange } from "../../protocol/index.js";
import type { ChatContext } from "../context.js";
import type { PubSubBridge } from "./bridge.js";
import type { ChatServer } from "./handlers/handler.js";
import { keys } from "../redis/keys.js";
import { socketRooms } from "./socket-rooms.js";

export const ACCOUNT_CHANGE = "account.change";

/**
 * Live account changes on every instance (issue 18): applied here first, then published on
 * `MESSAGES` as `account.change` (ids only); each instance reads the profile or the settings once
 * and emits `user.profile` / `place.settings` to its batching sockets (seed clients know only
 * usernames, which never change). A person's presence-alert list concerns only their own sockets:
 * it goes on their own channel, and only an instance holding one of their sockets reads it.
 */
export function attachAccountSync(io: ChatServer, ctx: ChatContext, bridge: PubSubBridge): void {
  const everyone = () => io.to(socketRooms.everyone("batch"));
  const apply = async (change: AccountLiveChange) => {
    if (change.change === "settings") {
      everyone().emit("place.settings", await ctx.placeSettings.read());
      return;
    }
    if (change.change === "presence.alerts") {
      const own = socketRooms.user("batch", change.userId);
      if (!io.of("/").adapter.rooms.get(own)?.size) return;
      io.to(own).emit("presence.alerts", { userIds: await ctx.presenceAlerts.list(change.userId) });
      return;
    }
    const profile = await ctx.profiles.get(change.userId);
    if (profile) everyone().emit("user.profile", profile);
  };
  const fail = (err: unknown) => ctx.log.warn({ err: String(err) }, "could not apply an account change");
  ctx.accountChanges.attach(async (change) => {
    await apply(change).catch(fail);
    await bridge.publish(ACCOUNT_CHANGE, change, change.change === "presence.alerts" ? [keys.userChannel(change.userId)] : undefined);
  });
  bridge.on(ACCOUNT_CHANGE, (data) => {
    const change = AccountLiveChange.safeParse(data);
    if (change.success) apply(change.data).catch(fail);
    else ctx.log.warn("dropped a malformed account.change envelope");
  });
}
