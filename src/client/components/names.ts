import type { ChatState } from "../state/chat.js";
import { otherMemberId, roomTitle, type RoomState } from "../state/rooms.js";

export function userName(state: ChatState, id: number): string {
  const user = state.users[id];
  // The display name when the person chose one (issue 18); the username stays their @mention.
  return user ? user.displayName || user.username : `User ${id}`;
}

/** The room's title, falling back to the partner's known name when the server sent no names. */
export function displayRoomTitle(room: RoomState, state: ChatState): string {
  const partner = otherMemberId(room.id, state.me.id);
  // A one-to-one conversation wears the partner's display name when they chose one (issue 18).
  if (partner !== null && (room.names.length === 0 || state.users[partner]?.displayName)) return userName(state, partner);
  return roomTitle(room, state.me.username);
}
