/**
 * Every Redis key redis-chat reads or writes, in one place.
 *
 * The first group is the seed's data model, spelled exactly as the seed spells it so that any
 * server written to the seed can share the database. The second group is ours; each of those keys
 * carries a hash tag (`{...}`) naming the seed key it belongs with, so that on Redis Cluster it
 * lands in the same slot and one script can update both atomically.
 */
export const keys = {
  // --- the seed's keys ---
  /** Counter: `INCR` hands out user ids. */
  totalUsers: "total_users",
  /** String `user:{id}`. */
  username: (name: string) => `username:${name}`,
  /** Hash `{username, password}`. */
  user: (userId: number | string) => `user:${userId}`,
  /** Set of room ids the user belongs to. */
  userRooms: (userId: number | string) => `user:${userId}:rooms`,
  /** Sorted set of message JSON, score = time in seconds (with a unique fraction). */
  room: (roomId: string) => `room:${roomId}`,
  /** String: the name of a named room (`room:0:name` = General). */
  roomName: (roomId: string) => `room:${roomId}:name`,
  /** Set of online user ids. */
  onlineUsers: "online_users",
  /** Pub/sub channel carrying `{serverId, type, data}` envelopes. */
  messagesChannel: "MESSAGES",

  // --- ours (documented in docs/data-model.md) ---
  /** String: a message stored for (user, clientId) in a room, for 10 minutes: idempotent resends. */
  messageByClientId: (roomId: string, userId: number, clientId: string) => `{room:${roomId}}:client:${userId}:${clientId}`,
  /** Counter with expiry: messages a user sent in the current rate window. */
  messageRate: (userId: number) => `ratelimit:message:${userId}`,
  /** The same, per room, on Redis Cluster: it shares the room's slot, so one script still stores. */
  messageRateInRoom: (roomId: string, userId: number) => `{room:${roomId}}:rate:${userId}`,
  /** Hash serverId -> open connections of one user on that server. */
  userConnections: (userId: number | string) => `{online_users}:user:${userId}`,
  /** Set of user ids with connections on one server (to clean up after a crashed server). */
  serverUsers: (serverId: string) => `{online_users}:server:${serverId}`,
  /** Sorted set serverId -> heartbeat deadline (ms, Redis clock). */
  serverHeartbeats: "{online_users}:heartbeats",
  /** Sorted set, all scores 0, members `{lowercase name}:{id}`: prefix search by name (ZRANGE BYLEX). */
  usernameIndex: "usernames:index",
  /** String JSON `{id, username}` with expiry: a login session. */
  session: (sessionId: string) => `session:${sessionId}`,

  // --- ours: rooms people make, read state, roles and moderation (issue 9) ---
  /** Counter: `INCR` hands out the ids of rooms people make (1, 2, ...: never `0`, never `a:b`). */
  roomCounter: "rooms:counter",
  /** Hash `{kind, visibility, topic, owner, created}` of a room people made; in the room's slot. */
  roomMeta: (roomId: string) => `{room:${roomId}}:meta`,
  /** Set of member user ids of a room people made; in the room's slot, so the store script checks it. */
  roomMembers: (roomId: string) => `{room:${roomId}}:members`,
  /** Sorted set of open rooms' ids (score = last activity in ms × 1000 + id mod 1000: creation, opening, newest message): the directory. */
  roomDirectory: "rooms:directory",
  /**
   * String `{room id}`: the claim of an open room of ours on a name in lower case (SET NX), so two
   * open rooms never share a name whatever the case (room-names.ts). Seed rooms are not claimed.
   */
  roomNameClaim: (lowercaseName: string) => `rooms:name:${lowercaseName}`,
  /**
   * String `{lowercase name}` with expiry: the room is claiming that name (create, rename, opening)
   * and its records do not say so yet; a claim in progress is not stale (room-names.ts).
   */
  roomNameClaiming: (roomId: string) => `{room:${roomId}}:name-claiming`,
  /** String: the room id of the group conversation of exactly these people (ids ascending, comma-separated). */
  groupRoom: (sortedMemberIds: readonly number[]) => `rooms:group:${sortedMemberIds.join(",")}`,
  /**
   * Hash userId -> id of the last message that user read in the room. In the room's slot, so the
   * store script moves the sender's own marker in the same round trip (your own messages are read).
   */
  roomReads: (roomId: string) => `{room:${roomId}}:read`,
  /** String: who became the automatic first administrator (a user id; `0`: none, the database predates roles). */
  firstAdmin: "admins:first",
  /** Set of banned user ids. */
  bannedUsers: "users:banned",
  /** Hash user id -> JSON `{at, by, reason?, entry?}` of the ban in force: when, by whom, why, and its audit entry id. */
  banDetails: "users:banned:details",
  /** Stream of moderation actions: the audit log. */
  auditLog: "audit:log",
  /** Hash `{createdBy, createdAt, expiresAt, maxUses, uses}` of an invitation; expires with it. */
  invite: (code: string) => `invite:${code}`,
  /** Sorted set code -> expiry (ms): the invitations to list. */
  invites: "invites",
  // --- sign-in and sessions (issue 8; documented in docs/data-model.md) ---
  /** String: the generated secret that signs session cookies when SESSION_SECRET is not set. */
  sessionSecret: "secrets:session",
  /**
   * String `{id}`: the claim on a name in lower case, taken with SET NX before a user is created,
   * so that one name (in any case) is one account however many sign-ups race.
   */
  usernameClaim: (lowercaseName: string) => `usernames:claim:${lowercaseName}`,
  /** Sorted set: a user's session ids, score = last seen (ms). In the slot of the seed's `user:{id}`. */
  userSessions: (userId: number | string) => `{user:${userId}}:sessions`,
  /**
   * String JSON `{userId, code, detail?, at}`: why a session was ended, by its handle (never its id),
   * for the rest of the session's lifetime: a page offline at the time is told when it comes back.
   */
  endedSession: (handle: string) => `sessions:ended:${handle}`,
  /** String: set once every session created before the index existed has been indexed. */
  sessionsIndexed: "sessions:indexed",
  /** rate-limiter-flexible's keys (prefix): failed sign-ins per (name, address) and per address. */
  loginFailuresPrefix: "ratelimit:login-fail",
  /** Prefix of per-user write budgets (domain/rate-limits.ts UserBudget): `ratelimit:{budget}:{userId}`, expiring with the window. */
  rateLimitPrefix: "ratelimit",
  /** Set of the ids of the rooms a user created (named rooms and group conversations): the per-creator cap. */
  roomsCreatedBy: (userId: number) => `{user:${userId}}:rooms:created`,

  // --- bots and webhooks (issue 11; domain/users/bot.ts, integrations/webhooks.ts) ---
  /** Set of the ids of users that are bots (with a token). */
  bots: "bots",
  /** Counter, bumped on every bot change: instances reload their bot directory when it moves. */
  botsVersion: "bots:version",
  /** Pub/sub channel: a bot was created, changed or deleted; every instance reloads its bot directory at once. */
  botsChangedChannel: "bots:changed",
  /** String -> bot user id: an API token, by its SHA-256 (hex). The token itself is never stored. */
  botToken: (tokenSha256: string) => `bot:token:${tokenSha256}`,
  /** Hash {tokenHash, webhookUrl, webhookSecret, createdAt, createdBy}: a bot's settings. */
  bot: (userId: number) => `{user:${userId}}:bot`,
  /** Hash {lastDeliveredAt, lastError, lastErrorAt, nextRetryAt, consecutiveFailures}: webhook state. */
  webhookStatus: (userId: number) => `{user:${userId}}:webhook`,
  /** Stream of webhook deliveries to make, read by the consumer group `webhooks` (one sender each). */
  webhookQueue: "{webhooks}:queue",
  /** Sorted set, score = due time (ms, Redis clock): failed deliveries waiting for their retry. */
  webhookRetries: "{webhooks}:retry",
  // --- notifications (domain/notifications/*) ---
  /** Hash roomId -> level ("all" | "mentions" | "none"): the rooms where a user chose a level. */
  notificationLevels: (userId: number | string) => `{user:${userId}}:notify:levels`,
  /** String level: the person's own default for named rooms they chose no level for (none: the place's; issue 18). */
  notificationDefault: (userId: number | string) => `{user:${userId}}:notify:default`,
  /** Hash push endpoint URL -> subscription JSON `{endpoint, keys: {p256dh, auth}}`: a user's devices. */
  pushSubscriptions: (userId: number | string) => `{user:${userId}}:push:subscriptions`,
  /** String: the user id a push endpoint belongs to (by SHA-256 of the endpoint, base64url): one user per device. */
  pushEndpointOwner: (endpointSha256: string) => `push:endpoint:${endpointSha256}`,
  /** String JSON `{publicKey, privateKey}`: the VAPID keys, generated once (SET NX) unless configured. */
  vapidKeys: "push:vapid",
  // --- ours: message actions (domain/messages/*; docs/data-model.md "Edits, deletions, reactions") ---
  /** Hash messageId -> JSON `[{emoji, users: [userId...]}]`: a room's reactions, in the room's slot. */
  roomReactions: (roomId: string) => `{room:${roomId}}:reactions`,
  /**
   * Hash messageId -> the ids (space-separated) of the replies quoting it, written by the store
   * script: a deletion or edit rewrites their stored quotes (domain/messages/quote-scrub.ts).
   */
  roomReplies: (roomId: string) => `{room:${roomId}}:replies`,
  /** Stream (capped): a room's change log (edits, deletions, reactions), field `c` = change JSON. */
  roomChanges: (roomId: string) => `{room:${roomId}}:changes`,
  // --- ours: link previews (issue 15; domain/messages/previews.ts, integrations/link-previews/) ---
  /** Hash messageId -> JSON `[LinkPreview...]` (`[]`: removed by its author), in the room's slot. */
  roomPreviews: (roomId: string) => `{room:${roomId}}:previews`,
  /** String JSON: what a URL's page said (or `{"failed":true}`), with expiry; by SHA-256 (hex) of the URL. */
  linkPreviewCache: (urlSha256: string) => `link-preview:${urlSha256}`,
  // --- ours: message search (domain/search/*; docs/data-model.md "Search") ---
  /**
   * Prefix of a room's search keys, all in the room's slot: `<prefix>t:<term>` string of the ids
   * (8-byte big-endian microseconds, ascending) of the messages with that word, `<prefix>d:<first
   * two bytes>` sorted set of the room's words that start so (prefix expansion), `<prefix>b` set of
   * those first two bytes (to drop the index with the room), `<prefix>a` set of the user ids with
   * an author posting `<prefix>t:~from:<id>` (from:; to drop them with the room).
   */
  searchPrefix: (roomId: string) => `{room:${roomId}}:s:`,
  /**
   * String: how far the background sweep has indexed a room's history (domain/search/cursor.ts), in
   * the room's slot. Present once the room's first pass is done: from then on its index holds every
   * message's author (`from:` reads the postings).
   */
  searchSweepCursor: (roomId: string) => `{room:${roomId}}:s:swept`,
  /** String with expiry: the instance running the background sweep now (one at a time). */
  searchSweepLock: "search:sweep:lock",
  /** Hash messageId -> JSON `{by, at}`: a room's pinned messages, in the room's slot (the delete script unpins). */
  roomPins: (roomId: string) => `{room:${roomId}}:pins`,
  /** Sorted set `roomId/messageId`, score = when saved (ms): the messages a person saved for later. */
  savedMessages: (userId: number | string) => `{user:${userId}}:saved`,
  // --- ours: a team's own place (issue 18; domain/place/*, domain/users/{profiles,passwords,deactivation}.ts) ---
  /** String JSON `{at, by}`: the place was set up (first run done); SET NX makes exactly one first administrator. */
  placeSetup: "place:setup",
  /** Hash `{placeName, registration, defaultNotificationLevel}`: settings administrators change at run time. */
  placeSettings: "place:settings",
  /** Set of deactivated user ids: cannot sign in, hidden from the directory and pickers. */
  deactivatedUsers: "users:deactivated",
  /** Set of user ids: the people whose coming online this user wants to be told of (domain/users/presence-alerts.ts). */
  presenceAlerts: (userId: number | string) => `{user:${userId}}:presence:alerts`,
  /** Sorted set, all scores 0, members `{lowercase display name}:{id}`: prefix search by display name. */
  displayNameIndex: "displaynames:index",
  /** String user id with expiry: a one-time password reset, by the SHA-256 (base64url) of its token. */
  passwordReset: (tokenSha256: string) => `password-reset:${tokenSha256}`,
  // --- ours: files (issue 15; domain/attachments/*; docs/data-model.md "Files") ---
  /**
   * Hash `{record, fallback, owner, created, message?}` of an uploaded file: its Attachment JSON,
   * its line for seed clients, the uploader, when (ms) and, once sent, the message's id. In the
   * room's slot, so the store script claims it in the message's own round trip.
   */
  attachment: (roomId: string, attachmentId: string) => `{room:${roomId}}:attachment:${attachmentId}`,
  /** Set of the ids of every file uploaded to a room (sent or not): deleting the room deletes them. */
  roomAttachments: (roomId: string) => `{room:${roomId}}:attachments`,
  /** Sorted set `roomId/attachmentId` -> when (ms) the upload is removed unless a message sent it. */
  unsentAttachments: "attachments:unsent",
  // --- the sharded bus (issue 17; redis/bus.ts, realtime/bus/*) ---
  /** Sharded pub/sub channel of one room's envelopes, in the room's slot (the store script SPUBLISHes to it). */
  roomChannel: (roomId: string) => `{room:${roomId}}:bus`,
  /** Sharded pub/sub channel of one person's envelopes (session ended, read markers, rooms added or removed). */
  userChannel: (userId: number | string) => `{user:${userId}}:bus`,
  /** Sharded pub/sub channel of the rare envelopes every instance needs (presence, bans, bots). */
  globalChannel: "{bus}:global",
} as const;

/** Prefix used by the key-naming scheme of `keys.userConnections` inside Lua scripts. */
export const USER_CONNECTIONS_PREFIX = "{online_users}:user:";
