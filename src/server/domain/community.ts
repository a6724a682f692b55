import type { Config } from "../config.js";
import type { Redis } from "../redis/connection.js";
import { AuditLog } from "./moderation/audit-log.js";
import { Rooms } from "./rooms.js";
import { RoomChanges } from "./rooms/changes.js";
import { Membership } from "./rooms/membership.js";
import { NamedRooms } from "./rooms/named-rooms.js";
import { ReadStates } from "./rooms/read-state.js";
import { RoomManagement } from "./rooms/room-management.js";
import type { Users } from "./users.js";
import type { SearchIndex } from "./search/index.js";
import { Bans } from "./users/bans.js";
import { UserBudget } from "./rate-limits.js";
import { Invites } from "./users/invites.js";
import { Registration } from "./users/registration.js";
import { AdminGrants, type Roles } from "./users/role.js";
import { FirstRun } from "./place/first-run.js";
import { PlaceSettingsStore } from "./place/settings.js";
import { Deactivations } from "./users/deactivation.js";
import { Standing } from "./users/standing.js";
import { PresenceAlerts } from "./users/presence-alerts.js";
import { Profiles } from "./users/profiles.js";

/**
 * The services of issue 9 (rooms people make, read state, administrators, moderation,
 * registration), built together because they depend on each other; `rooms` is the seed's Rooms
 * with the member cache plugged in.
 */
export function createCommunityServices(
  redis: Redis,
  users: Users,
  roles: Roles,
  config: Pick<Config, "registration" | "adminUsernames" | "roomCreateRateLimit" | "roomCreateRateWindowMs" | "maxRoomsPerCreator" | "setupByEnvironment">,
  searchIndex?: SearchIndex,
) {
  const membership = new Membership(redis);
  const rooms = new Rooms(redis, users, membership);
  const namedRooms = new NamedRooms(redis, users, membership, searchIndex);
  const readStates = new ReadStates(redis);
  const roomChanges = new RoomChanges();
  const bans = new Bans(redis);
  const audit = new AuditLog(redis, users);
  const invites = new Invites(redis);
  const placeSettings = new PlaceSettingsStore(redis, { registration: config.registration });
  const deactivations = new Deactivations(redis);
  const standing = new Standing(bans, deactivations);
  const roomManagement = new RoomManagement({
    redis, users, roles, bans, deactivations, rooms, membership, namedRooms, readStates, audit, changes: roomChanges,
    creation: {
      budget: new UserBudget(redis, "room-create", { points: config.roomCreateRateLimit, windowMs: config.roomCreateRateWindowMs }),
      maxPerCreator: config.maxRoomsPerCreator,
    },
  });
  return {
    rooms,
    membership,
    namedRooms,
    readStates,
    roomChanges,
    roomManagement,
    bans,
    audit,
    invites,
    standing,
    registration: new Registration(placeSettings, invites, standing),
    adminGrants: new AdminGrants(redis, roles, config.adminUsernames, config.setupByEnvironment),
    // issue 18: the first run, the place's settings, profiles, deactivated accounts
    placeSettings,
    firstRun: new FirstRun(redis, users, roles, placeSettings, config.setupByEnvironment, deactivations),
    deactivations,
    profiles: new Profiles(redis, deactivations),
    presenceAlerts: new PresenceAlerts(redis),
  };
}
