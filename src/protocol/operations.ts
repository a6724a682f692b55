import { z } from "zod";

/** `GET /healthz` (liveness): 200 `{status: "ok"}`, 503 `{status: "unavailable", message}`. */
export const HealthAnswer = z.object({ status: z.enum(["ok", "unavailable"]), message: z.string().optional() });

const CheckState = z.enum(["ok", "failing"]);
/** `GET /readyz` (readiness): which checks pass. */
export const ReadinessChecks = z.object({
  redis: CheckState.meta({ description: "Redis answered within 1 s" }),
  scripts: CheckState.meta({ description: "the Lua scripts are loaded" }),
  pubsub: CheckState.meta({ description: "the MESSAGES subscription is live" }),
  accepting: CheckState.meta({ description: "failing while the instance drains (SIGTERM)" }),
});
export const ReadyAnswer = z.object({ status: z.literal("ready"), checks: ReadinessChecks });
export const NotReadyAnswer = z.object({ status: z.literal("unavailable"), message: z.string(), checks: ReadinessChecks });
