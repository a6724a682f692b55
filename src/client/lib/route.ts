/** The open room lives in the URL hash (#/room/1:2), so reload and the Back button keep it. */
export function roomFromHash(hash: string): string | null {
  const match = /^#\/room\/([A-Za-z0-9_.:-]{1,64})$/.exec(hash);
  return match ? decodeURIComponent(match[1]!) : null;
}

export function hashForRoom(roomId: string | null): string {
  return roomId === null ? "#/" : `#/room/${roomId}`;
}
