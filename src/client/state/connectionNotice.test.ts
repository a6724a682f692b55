import { describe, expect, it } from "vitest";
import type { ConnectionStatus } from "./chat.js";
import { connectionBannerText, connectionNoticeReducer, type ConnectionNotice, type ConnectionNoticeAction } from "./connectionNotice.js";

/** The status changes a page lives through, `everConnected` as the chat reducer keeps it. */
function live(...statuses: (ConnectionStatus | "settled")[]): ConnectionNotice {
  let everConnected = false;
  return statuses.reduce<ConnectionNotice>((notice, status) => {
    if (status === "settled") return connectionNoticeReducer(notice, { type: "settled" });
    everConnected ||= status === "online";
    return connectionNoticeReducer(notice, { type: "status", status, everConnected });
  }, "connecting");
}
const text = (notice: ConnectionNotice, slow = false) => connectionBannerText(notice, slow)?.text ?? null;

describe("the connection banner", () => {
  it("says nothing on the first connection, and 'Connecting…' only when it is slow", () => {
    expect(text(live("connecting"))).toBeNull();
    expect(text(live("connecting"), true)).toBe("Connecting…");
    expect(text(live("connecting", "online"))).toBeNull();
  });

  it("says the connection is lost while it is down after having been up, reconnecting or offline", () => {
    expect(text(live("connecting", "online", "offline"))).toMatch(/^Connection lost/);
    expect(text(live("connecting", "online", "connecting"))).toMatch(/^Connection lost/);
  });

  it("says 'Back online.' when it returns, until it has settled, then nothing", () => {
    const back = live("connecting", "online", "offline", "online");
    expect(connectionBannerText(back, false)).toEqual({ text: "Back online.", tone: "ok" });
    expect(text(connectionNoticeReducer(back, { type: "settled" }))).toBeNull();
  });

  it("keeps 'Back online.' when the same status is told again (an effect run twice), so its timer is not restarted or lost", () => {
    const again: ConnectionNoticeAction = { type: "status", status: "online", everConnected: true };
    expect(connectionNoticeReducer("back", again)).toBe("back");
    expect(live("connecting", "online", "offline", "online", "online", "settled")).toBe("up");
  });

  it("a new drop ends 'Back online.' at once, and the next return says it again", () => {
    expect(text(live("connecting", "online", "offline", "online", "offline"))).toMatch(/^Connection lost/);
    expect(text(live("connecting", "online", "offline", "online", "offline", "online"))).toBe("Back online.");
  });

  it("a late 'settled' after a new drop changes nothing", () => {
    expect(live("connecting", "online", "offline", "settled")).toBe("down");
  });
});
