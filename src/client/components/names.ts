import type { ChatState } from "../state/chat.js";
import { groupMembers, otherMemberId, roomKind, roomTitle, type RoomState } from "../state/rooms.js";

export function userName(state: ChatState, id: number): string {
  const user = state.users[id];
  // The display name when the person chose one (issue 18); the username stays their @mention.
  return user ? user.displayName || user.username : `User ${id}`;
}

// Known people by lowercased username (usernames are unique regardless of case), built once per
// `users` object: a group's title names its members by username, and every row asks.
const byUsername = new WeakMap<ChatState["users"], Map<string, string>>();
function shownNameOf(state: ChatState, username: string): string {
  let names = byUsername.get(state.users);
  if (!names) {
    names = new Map(Object.values(state.users).map((u) => [u.username.toLowerCase(), u.displayName || u.username]));
    byUsername.set(state.users, names);
  }
  return names.get(username.toLowerCase()) ?? username;
}

/** The room's title, falling back to the partner's known name when the server sent no names. */
export function displayRoomTitle(room: RoomState, state: ChatState): string {
  const partner = otherMemberId(room.id, state.me.id);
  // A one-to-one conversation wears the partner's display name when they chose one (issue 18).
  if (partner !== null && (room.names.length === 0 || state.users[partner]?.displayName)) return userName(state, partner);
  // A group is named by the server after its members' usernames: shown with their display names, as
  // everywhere else, each falling back to the username while the person is not known yet.
  if (roomKind(room) === "group") {
    const others = groupMembers(room).filter((n) => n.toLowerCase() !== state.me.username.toLowerCase());
    if (others.length) return others.map((n) => shownNameOf(state, n)).join(", ");
  }
  return roomTitle(room, state.me.username);
}
