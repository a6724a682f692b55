// socket.io-client 3 ships types its package.json "exports" hides from NodeNext resolution. The
// part of its API the seed-client test uses is the same as version 4's, so borrow those types.
declare module "socket.io-client-v3" {
  export { io, Socket } from "socket.io-client";
}
