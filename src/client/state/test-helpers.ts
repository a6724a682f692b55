import type { ChatMessage } from "../../protocol/index.js";

export function msg(id: string | number, from = 2, roomId = "0", text = `m${id}`, date = 1_800_000_000 + Number(id)): ChatMessage {
  return { id: String(id), from, date, message: text, roomId };
}
