import { PinsUpdated } from "../../protocol/index.js";
import type { ChatContext } from "../context.js";
import type { PinsSink } from "../domain/messages/pins.js";
import type { PubSubBridge } from "./bridge.js";
import type { LocalDelivery } from "./delivery.js";

export const PINS_UPDATED = "pins.updated";

/**
 * Pins live on every instance: a change is delivered to this instance's sockets of the room, then
 * published on `MESSAGES` (`pins.updated`, the room's pinned ids) for the others to deliver.
 */
export function attachPinSync(ctx: ChatContext, bridge: PubSubBridge, delivery: LocalDelivery): void {
  const sink: PinsSink = {
    async pinsChanged(change) {
      delivery.roomEvent(PINS_UPDATED, change.roomId, change);
      await bridge.publish(PINS_UPDATED, change);
    },
  };
  ctx.pins.attach(sink);
  bridge.on(PINS_UPDATED, (data) => {
    const change = PinsUpdated.safeParse(data);
    if (change.success) delivery.roomEvent(PINS_UPDATED, change.data.roomId, change.data);
    else ctx.log.warn("dropped a malformed pins.updated envelope");
  });
}
