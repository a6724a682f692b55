/** The open room lives in the URL hash (#/room/1:2), so reload and the Back button keep it. */
export function roomFromHash(hash: string): string | null {
  const match = /^#\/room\/([A-Za-z0-9_.:-]{1,64})$/.exec(hash);
  return match ? decodeURIComponent(match[1]!) : null;
}

export function hashForRoom(roomId: string | null): string {
  return roomId === null ? "#/" : `#/room/${roomId}`;
}

/** A message's permalink hash (#/room/ID/message/MID): opens the room scrolled to the message. */
export function messageFromHash(hash: string): { roomId: string; messageId: string } | null {
  const match = /^#\/room\/([A-Za-z0-9_.:%-]{1,200})\/message\/(\d{1,20}(?:-[0-9a-f]{12})?)$/.exec(hash);
  return match ? { roomId: decodeURIComponent(match[1]!), messageId: match[2]! } : null;
}

/** A message's permalink hash (see messageFromHash). */
export function hashForMessage(roomId: string, messageId: string): string {
  return `#/room/${encodeURIComponent(roomId)}/message/${messageId}`;
}

/** The room a hash shows: a room's, or a message permalink's room. */
export function roomOfHash(hash: string): string | null {
  return roomFromHash(hash) ?? messageFromHash(hash)?.roomId ?? null;
}

/** The full link to a message, as "Copy link" gives it. */
export function permalink(roomId: string, messageId: string): string {
  return `${location.origin}${location.pathname}${hashForMessage(roomId, messageId)}`;
}
