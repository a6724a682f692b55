// A flooding client in its own process (so its own work does not load the server's event loop):
// connects with a session cookie, emits `count` `message` events into `roomId` as fast as it can,
// and prints one JSON line with what it saw: {notices, reason, acks} when disconnected or after 20 s.
// Usage: node test/support/flood-client.mjs <url> <cookie> <roomId> <count>
import { io } from "socket.io-client";

const [url, cookie, roomId, count] = process.argv.slice(2);
const socket = io(url, { transports: ["websocket"], extraHeaders: { cookie }, reconnection: false, forceNew: true });
const notices = [];
let acks = 0;
const finish = (reason) => {
  process.stdout.write(`${JSON.stringify({ notices, reason, acks })}\n`);
  process.exit(0);
};
socket.on("connection.closing", (notice) => notices.push(notice));
socket.on("disconnect", (reason) => finish(reason));
socket.on("connect_error", (err) => finish(`connect_error: ${err.message}`));
socket.on("connect", () => {
  process.stdout.write("connected\n");
  for (let i = 0; i < Number(count); i++) socket.emit("message", { roomId, message: `flood ${i}` }, () => acks++);
});
setTimeout(() => finish("still connected after 20 s"), 20_000).unref?.();
