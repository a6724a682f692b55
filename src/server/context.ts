import type { Config } from "./config.js";
import type { LoginLimits } from "./domain/rate-limits.js";
import type { Messages } from "./domain/messages.js";
import type { MessageActions } from "./domain/messages/actions.js";
import type { Mentions } from "./domain/messages/mentions.js";
import type { Presence } from "./domain/presence.js";
import type { Rooms } from "./domain/rooms.js";
import type { Sessions } from "./domain/sessions.js";
import type { Users } from "./domain/users.js";
import type { Roles } from "./domain/users/role.js";
import type { Bots } from "./domain/users/bot.js";
import type { AuditLog } from "./domain/moderation/audit-log.js";
import type { RoomChanges } from "./domain/rooms/changes.js";
import type { Membership } from "./domain/rooms/membership.js";
import type { NamedRooms } from "./domain/rooms/named-rooms.js";
import type { ReadStates } from "./domain/rooms/read-state.js";
import type { RoomManagement } from "./domain/rooms/room-management.js";
import type { Bans } from "./domain/users/bans.js";
import type { Invites } from "./domain/users/invites.js";
import type { Registration } from "./domain/users/registration.js";
import type { Standing } from "./domain/users/standing.js";
import type { AdminGrants } from "./domain/users/role.js";
import type { PushNotifier } from "./domain/notifications/push-notifier.js";
import type { NameIndexSync } from "./domain/users/name-index-sync.js";
import type { Logger } from "./logger.js";
import type { StoredMessageListener } from "./domain/messages/post.js";
import type { ChatMetrics } from "./observability/metrics.js";
import type { Redis } from "./redis/connection.js";
import type { MessageSearch } from "./domain/search/search.js";
import type { SearchSweep } from "./domain/search/sweep.js";
import type { Pins } from "./domain/messages/pins.js";
import type { SavedMessages } from "./domain/users/saved.js";
import type { FirstRun } from "./domain/place/first-run.js";
import type { PlaceSettingsStore } from "./domain/place/settings.js";
import type { AccountChanges } from "./domain/users/account-changes.js";
import type { Deactivations } from "./domain/users/deactivation.js";
import type { PresenceAlerts } from "./domain/users/presence-alerts.js";
import type { Directory } from "./domain/users/directory.js";
import type { Passwords } from "./domain/users/passwords.js";
import type { Profiles } from "./domain/users/profiles.js";
import type { Attachments } from "./domain/attachments/attachments.js";
import type { Avatars } from "./domain/users/avatars.js";

/** The domain services one instance runs with; transports (HTTP, socket, bridge) take what they need. */
export interface ChatContext {
  config: Config;
  log: Logger;
  redis: Redis;
  users: Users;
  roles: Roles;
  rooms: Rooms;
  messages: Messages;
  sessions: Sessions;
  presence: Presence;
  loginLimits: LoginLimits;
  /** Bots: API tokens, webhook settings, the per-instance bot directory (domain/users/bot.ts). */
  bots: Bots;
  /** Prometheus metrics of this instance (observability/metrics.ts): thin counters, no I/O. */
  metrics: ChatMetrics;
  /** Called after every message stored on this instance (any transport); must not block. */
  messageListeners: StoredMessageListener[];
  // --- rooms people make, read state, administrators and moderation (issue 9) ---
  membership: Membership;
  namedRooms: NamedRooms;
  readStates: ReadStates;
  roomManagement: RoomManagement;
  /** Live room changes; the realtime layer attaches to it. */
  roomChanges: RoomChanges;
  adminGrants: AdminGrants;
  bans: Bans;
  audit: AuditLog;
  invites: Invites;
  registration: Registration;
  /** Whether a person still stands behind the invitations and reset links they made (not banned, not deactivated). */
  standing: Standing;
  /** Notification levels, push subscriptions, and Web Push for stored messages. */
  notifications: PushNotifier;
  /** People search stays complete while other servers register users. */
  nameIndex: NameIndexSync;
  // message actions (domain/messages/*)
  mentions: Mentions;
  messageActions: MessageActions;
  /** Full-text message search (domain/search/*) and the sweep that indexes what other servers store. */
  search: MessageSearch;
  searchSweep: SearchSweep;
  /** Pinned messages of rooms, and the messages each person saved (issue 19). */
  pins: Pins;
  saved: SavedMessages;
  // a team's own place (issue 18)
  placeSettings: PlaceSettingsStore;
  firstRun: FirstRun;
  profiles: Profiles;
  deactivations: Deactivations;
  /** Whom each person wants to be told of when they come online. */
  presenceAlerts: PresenceAlerts;
  passwords: Passwords;
  directory: Directory;
  /** Live profile and settings changes; the realtime layer attaches to it. */
  accountChanges: AccountChanges;
  /** Files shared in rooms: uploads, their store, thumbnails, scans (domain/attachments). */
  attachments: Attachments;
  /** Profile pictures, in the attachments' store (domain/users/avatars.ts). */
  avatars: Avatars;
}
