import { describe, expect, it } from "vitest";
import { human } from "./SetupScreen.js";

describe("setup messages for people", () => {
  it("names the field in words and starts with a capital", () => {
    expect(human("username must not be empty")).toBe("The username must not be empty");
    expect(human("password is too long")).toBe("The password is too long");
    expect(human("The place needs a name")).toBe("The place needs a name");
  });
});
