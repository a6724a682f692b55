export * from "./ids.js";
export * from "./message.js";
export * from "./rest.js";
export * from "./events.js";
export * from "./roles.js";
export * from "./rooms.js";
export * from "./moderation.js";
export * from "./sessions.js";
