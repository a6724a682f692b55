import { describe, expect, it } from "vitest";
import webpush from "web-push";
import { sendPush } from "../../src/server/domain/notifications/push-sender.js";
import { startPushService } from "../support/push-service.js";
import { checkPushEndpoint } from "../../src/server/domain/notifications/push-endpoint.js";
import { wantsPush } from "../../src/server/domain/notifications/push-notifier.js";

describe("checkPushEndpoint", () => {
  it("accepts the real push services' https endpoints", () => {
    for (const endpoint of [
      "https://fcm.googleapis.com/fcm/send/abc:def",
      "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
      "https://web.push.apple.com/QGx",
      "https://wns2-par02p.notify.windows.com/w/?token=BQ",
    ]) expect(checkPushEndpoint(endpoint, false), endpoint).toBeNull();
  });

  it("refuses plain http, credentials, loopback, private and link-local addresses, and local names", () => {
    for (const endpoint of [
      "http://fcm.googleapis.com/fcm/send/x",
      "https://user:pw@fcm.googleapis.com/x",
      "https://127.0.0.1/x",
      "https://10.1.2.3/x",
      "https://192.168.0.5:8443/x",
      "https://172.20.0.1/x",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/x",
      "https://[fd00::1]/x",
      "https://[::ffff:127.0.0.1]/x",
      "https://[::7f00:1]/x",
      "https://[::ffff:0:127.0.0.1]/x",
      "https://[2002:7f00:1::]/x",
      "https://[100::1]/x",
      "https://[64:ff9b::a00:1]/x",
      "https://[fec0::1]/x",
      "https://localhost/x",
      "https://redis.internal/x",
      "https://intranet/x",
      "ftp://fcm.googleapis.com/x",
      "not a url",
    ]) expect(checkPushEndpoint(endpoint, false), endpoint).not.toBeNull();
  });

  it("with PUSH_ALLOW_LOCAL_ENDPOINTS accepts a local http stand-in, still only http(s)", () => {
    expect(checkPushEndpoint("http://127.0.0.1:9000/ok/1", true)).toBeNull();
    expect(checkPushEndpoint("file:///etc/passwd", true)).not.toBeNull();
  });
});

describe("wantsPush", () => {
  it("pushes mentions at 'all' and 'mentions', conversation messages only at 'all', nothing at 'none'", () => {
    expect(wantsPush("all", true, false)).toBe(true);
    expect(wantsPush("mentions", true, false)).toBe(true);
    expect(wantsPush("all", false, true)).toBe(true);
    expect(wantsPush("mentions", false, true)).toBe(false);
    expect(wantsPush("none", true, true)).toBe(false);
  });

  it("never pushes ordinary named-room traffic, even at 'all'", () => {
    expect(wantsPush("all", false, false)).toBe(false);
  });
});

describe("sendPush", () => {
  it("resolves the endpoint's host when sending and refuses a name that resolves to loopback, sending nothing", async () => {
    const service = await startPushService();
    try {
      const device = service.device("laptop");
      const viaName = { ...device.subscription, endpoint: device.subscription.endpoint.replace("127.0.0.1", "localhost") };
      const vapid = { subject: "mailto:test@example.com", ...webpush.generateVAPIDKeys() };
      const options = { ttlSeconds: 60, timeoutMs: 2000 };
      const refused = await sendPush(viaName, "{}", vapid, { ...options, allowPrivate: false });
      expect(refused).toEqual({ status: "failed", reason: expect.stringMatching(/loopback, link-local or private/) });
      expect(service.requests).toHaveLength(0);
      expect(await sendPush(viaName, "{}", vapid, { ...options, allowPrivate: true })).toEqual({ status: "sent" });
      expect(service.requests).toHaveLength(1);
    } finally {
      await service.close();
    }
  });
});
