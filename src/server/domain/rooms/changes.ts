import type { RoomLiveChange } from "../../../protocol/index.js";

/** Where room changes go to reach every instance's sockets (the realtime layer implements it). */
export interface RoomChangeSink {
  /** Applies the change to this instance's sockets, then tells the other instances. */
  publish(change: RoomLiveChange): Promise<void>;
}

/**
 * The domain's end of live room changes. The realtime layer attaches itself once the socket
 * server exists (after the domain is built); until then, and in tools without sockets, changes
 * are dropped.
 */
export class RoomChanges implements RoomChangeSink {
  private sink: RoomChangeSink | undefined;

  attach(sink: RoomChangeSink): void {
    this.sink = sink;
  }

  async publish(change: RoomLiveChange): Promise<void> {
    await this.sink?.publish(change);
  }
}

/** A refusal the HTTP layer answers as `{message}` with this status (see http/errors.ts). */
export class RoomRefusal extends Error {
  constructor(readonly statusCode: 400 | 403 | 404 | 409, message: string) {
    super(message);
  }
}
