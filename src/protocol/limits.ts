import { z } from "zod";

/**
 * Sent just before the server closes a connection on purpose, so the client can tell the person
 * why instead of reconnecting into the same wall. `event-budget`: the socket sent more events
 * (refused ones included) than SOCKET_EVENT_BUDGET per SOCKET_EVENT_WINDOW_MS. A client should not
 * reconnect at once.
 */
export const CONNECTION_CLOSING_EVENT = "connection.closing";
export const ConnectionClosing = z.object({
  reason: z.enum(["event-budget"]),
  message: z.string(),
});
export type ConnectionClosing = z.infer<typeof ConnectionClosing>;

/**
 * The `connect_error` a handshake gets when its user already has MAX_SOCKETS_PER_USER open
 * connections (across all instances): `err.message` is the sentence, `err.data` this object.
 */
export const TooManyConnections = z.object({ reason: z.literal("too-many-connections"), limit: z.number().int() });
export type TooManyConnections = z.infer<typeof TooManyConnections>;
