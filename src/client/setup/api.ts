import { z } from "zod";
import { PasswordResetFor, PlaceSettings, SessionUser, SetupState, type PlaceSettingsPatch, type SetupBody } from "../../protocol/index.js";
import { ApiError, request } from "../api.js";

const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body) });

/** The first run, the place's settings and password resets (docs/api.md, "A team's own place"). */
export const placeApi = {
  /** What the first screen shows; a server without first-run setup (404) is set up, with no demo offered. */
  state: () =>
    request(SetupState, "/setup").catch((error: unknown): SetupState => {
      if (error instanceof ApiError && error.status === 404) return { placeName: "Redis Chat", needsSetup: false, locked: false, registration: "open", demo: null };
      throw error;
    }),
  setUp: (body: SetupBody) => request(SessionUser, "/setup", json("POST", body)),
  settings: () => request(PlaceSettings, "/place/settings"),
  updateSettings: (patch: PlaceSettingsPatch) => request(PlaceSettings, "/place/settings", json("PATCH", patch)),
  /** Whom a reset link is for; refused (404, "not valid: …") when it is unknown, used or expired. */
  resetFor: (token: string) => request(PasswordResetFor, `/password-reset/${encodeURIComponent(token)}`),
  resetPassword: (token: string, newPassword: string) => request(z.unknown(), "/password-reset", json("POST", { token, newPassword })),
};
