import type { ChatState } from "../state/chat.js";
import { otherMemberId, roomTitle, type RoomState } from "../state/rooms.js";

export function userName(state: ChatState, id: number): string {
  const user = state.users[id];
  // The display name when the person chose one (issue 18); the username stays their @mention.
  return user ? user.displayName || user.username : `User ${id}`;
}

/** The room's title, falling back to the partner's known name when the server sent no names. */
export function displayRoomTitle(room: RoomState, state: ChatState): string {
  if (room.names.length === 0) {
    const partner = otherMemberId(room.id, state.me.id);
    if (partner !== null) return userName(state, partner);
  }
  return roomTitle(room, state.me.username);
}
