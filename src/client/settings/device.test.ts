import { describe, expect, it } from "vitest";
import { deviceName } from "./device.js";

describe("a session's device, named from its User-Agent", () => {
  it("browsers by name and system", () => {
    expect(deviceName("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")).toBe("Chrome on Linux");
    expect(deviceName("Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0")).toBe("Firefox on Android");
    expect(deviceName("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"))
      .toBe("Safari on iOS");
    expect(deviceName("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"))
      .toBe("Microsoft Edge on Windows");
  });

  it("a program that is not a browser by its own name, never 'Browser'", () => {
    expect(deviceName("curl/8.5.0")).toBe("curl");
    expect(deviceName("python-requests/2.31.0")).toBe("python-requests");
  });

  it("no agent, or one that says nothing recognisable, is an unknown device", () => {
    expect(deviceName(null)).toBe("Unknown device");
    expect(deviceName("")).toBe("Unknown device");
    expect(deviceName("???")).toBe("Unknown device");
  });
});
