import { describe, expect, it } from "vitest";
import { MAX_MESSAGE_LENGTH } from "../../protocol/index.js";
import { composerStatus, composerStatusText, SHOW_REMAINING_FROM } from "./composer.js";

describe("composer status", () => {
  it("says nothing for an empty draft or a short one, and allows sending the short one", () => {
    expect(composerStatus("")).toMatchObject({ visible: false, canSend: false });
    expect(composerStatus("hello")).toEqual({ remaining: MAX_MESSAGE_LENGTH - 5, visible: false, canSend: true });
  });

  it("near the limit shows what is left", () => {
    const status = composerStatus("x".repeat(MAX_MESSAGE_LENGTH - SHOW_REMAINING_FROM));
    expect(status).toMatchObject({ visible: true, canSend: true, remaining: SHOW_REMAINING_FROM });
    expect(composerStatusText(status)).toBe("200 characters left");
    expect(composerStatusText(composerStatus("x".repeat(MAX_MESSAGE_LENGTH - 1)))).toBe("1 character left");
  });

  it("counts an emoji as one character, as the server does (2,000 emoji leave 2,000)", () => {
    expect(composerStatus("😀".repeat(2000)).remaining).toBe(2000);
    expect(composerStatus("😀".repeat(MAX_MESSAGE_LENGTH))).toMatchObject({ remaining: 0, canSend: true });
  });

  it("a 4,100-character paste is kept: over the limit, send disabled, with a reason saying by how much", () => {
    const status = composerStatus("y".repeat(4100));
    expect(status).toMatchObject({ remaining: -100, visible: true, canSend: false });
    expect(composerStatusText(status)).toBe("100 characters over the 4,000 limit: shorten it to send");
  });

  it("a draft of only invisible characters cannot be sent, and says why", () => {
    const status = composerStatus("\u200b\u00a0\u3000");
    expect(status).toMatchObject({ canSend: false, visible: true });
    expect(composerStatusText(status)).toBe("Nothing visible to send");
  });
});
