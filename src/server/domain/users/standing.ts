import type { Bans } from "./bans.js";
import type { Deactivations } from "./deactivation.js";

/**
 * Whether a person still stands behind the links they handed out (invitations, password reset
 * links): while they are neither banned nor deactivated. A ban or a deactivation ends every
 * credential of theirs at once, and what they made for others with it: checked when a link is
 * used, so a ban stored straight in `users:banned` counts as well, and a lifted one gives the
 * links back until they expire.
 */
export class Standing {
  constructor(private readonly bans: Pick<Bans, "isBanned">, private readonly deactivations: Pick<Deactivations, "isDeactivated">) {}

  async standsBehind(userId: number): Promise<boolean> {
    return (await this.withdrawnBy(userId)) === undefined;
  }

  /** Why the person no longer stands behind their links, or undefined while they do. */
  async withdrawnBy(userId: number): Promise<"banned" | "deactivated" | undefined> {
    const [banned, deactivated] = await Promise.all([this.bans.isBanned(userId), this.deactivations.isDeactivated(userId)]);
    return banned ? "banned" : deactivated ? "deactivated" : undefined;
  }
}
