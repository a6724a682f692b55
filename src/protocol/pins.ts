import { z } from "zod";
import { RoomId } from "./ids.js";
import { ChatMessage, MessageId } from "./message.js";

/** `/room/:id/pins/:messageId` and `/me/saved/:roomId/:messageId`. */
export const PinParams = z.object({ id: RoomId, messageId: MessageId });
export const SavedParams = z.object({ roomId: RoomId, messageId: MessageId });

/** A pinned message of a room: the message as history gives it, who pinned it and when (ms). */
export const PinnedMessage = z.object({
  message: ChatMessage,
  pinnedBy: z.number().int(),
  pinnedAt: z.number().int(),
});
export type PinnedMessage = z.infer<typeof PinnedMessage>;

/** `GET /room/:id/pins`: the room's pins, the latest pinned first. */
export const PinsList = z.array(PinnedMessage);

/** Socket `pins.updated`: a room's pins changed (pinned, unpinned, or the message deleted). */
export const PinsUpdated = z.object({ roomId: RoomId, messageIds: z.array(MessageId) });
export type PinsUpdated = z.infer<typeof PinsUpdated>;

/** A message a person saved for later: its room, the message, when it was saved (ms). */
export const SavedMessage = z.object({ roomId: RoomId, message: ChatMessage, savedAt: z.number().int() });
export type SavedMessage = z.infer<typeof SavedMessage>;

/** `GET /me/saved`: the latest saved first; messages one can no longer read are left out. */
export const SavedList = z.array(SavedMessage);
