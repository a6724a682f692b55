export * from "./ids.js";
export * from "./message.js";
export * from "./rest.js";
export * from "./events.js";
export * from "./roles.js";
export * from "./integrations.js";
