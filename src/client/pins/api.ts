import { z } from "zod";
import { PinsList, PinsUpdated, SavedList } from "../../protocol/index.js";
import { request } from "../api.js";
import { setPinnedIds } from "./live.js";

const path = (roomId: string, messageId: string) => `${encodeURIComponent(roomId)}/${encodeURIComponent(messageId)}`;

export const pinsApi = {
  list: (roomId: string) => request(PinsList, `/room/${encodeURIComponent(roomId)}/pins`),
  // The answer is the room's pins now: this tab shows them at once (the socket's copy follows).
  pin: (roomId: string, messageId: string, pinned: boolean) =>
    request(PinsUpdated, `/room/${encodeURIComponent(roomId)}/pins/${encodeURIComponent(messageId)}`, { method: pinned ? "PUT" : "DELETE" })
      .then((change) => {
        setPinnedIds(change.roomId, change.messageIds);
        return change;
      }),
  saved: () => request(SavedList, "/me/saved"),
  save: (roomId: string, messageId: string, saved: boolean) =>
    request(z.object({ saved: z.boolean() }), `/me/saved/${path(roomId, messageId)}`, { method: saved ? "PUT" : "DELETE" }),
};
