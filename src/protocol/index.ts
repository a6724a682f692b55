export * from "./ids.js";
export * from "./message.js";
export * from "./rest.js";
export * from "./events.js";
export * from "./roles.js";
export * from "./reactions.js";
export * from "./mentions.js";
export * from "./message-actions.js";
