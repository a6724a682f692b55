import { z } from "zod";

/**
 * User ids are the integers handed out by `INCR total_users`. The seed's web client sends them
 * as strings as often as numbers, so inputs accept both and the protocol carries numbers.
 */
export const UserId = z
  .union([z.number(), z.string().regex(/^\d{1,15}$/, "must be a user id")])
  .transform(Number)
  .pipe(z.number().int("must be a user id").positive("must be a user id").max(Number.MAX_SAFE_INTEGER));
export type UserId = number;

/** Room `0` is General; a private room is `{low}:{high}`, its two members' ids ascending. */
export const GENERAL_ROOM_ID = "0";

export const RoomId = z
  .string("room id must be a string")
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "room id is malformed");
export type RoomId = z.infer<typeof RoomId>;

const PRIVATE_ROOM = /^([1-9]\d{0,14}):([1-9]\d{0,14})$/;

/** The two members of a private room id, or null when the id is not a well-formed private room. */
export function parsePrivateRoomId(roomId: string): [number, number] | null {
  const match = PRIVATE_ROOM.exec(roomId);
  if (!match) return null;
  const low = Number(match[1]);
  const high = Number(match[2]);
  return low < high ? [low, high] : null;
}

export function privateRoomId(a: number, b: number): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

export const Username = z
  .string("username must be a string")
  .trim()
  .min(1, "username must not be empty")
  .max(32, "username must be at most 32 characters")
  .regex(/^[A-Za-z0-9_.-]+$/, "username may contain only letters, digits, '_', '.' and '-'");
