import type { AccountLiveChange } from "../../../protocol/index.js";

/**
 * The domain's end of live account changes (issue 18: profiles, the place's settings). The
 * realtime layer attaches itself (realtime/account-sync.ts) once sockets exist; until then, and in
 * tools without sockets, changes are dropped.
 */
export class AccountChanges {
  private sink: ((change: AccountLiveChange) => Promise<void>) | undefined;

  attach(sink: (change: AccountLiveChange) => Promise<void>): void {
    this.sink = sink;
  }

  async publish(change: AccountLiveChange): Promise<void> {
    await this.sink?.(change);
  }
}
