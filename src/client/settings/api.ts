import { SessionList, SessionsEnded } from "../../protocol/index.js";
import { request } from "../api.js";

/** A person's own sessions (docs/api.md, "Sessions"). */
export const sessionsApi = {
  list: () => request(SessionList, "/sessions"),
  end: (handle: string) => request(SessionsEnded, `/sessions/${encodeURIComponent(handle)}`, { method: "DELETE" }),
  endOthers: () => request(SessionsEnded, "/sessions", { method: "DELETE" }),
  endEverywhere: () => request(SessionsEnded, "/logout/everywhere", { method: "POST", body: "{}" }),
};
