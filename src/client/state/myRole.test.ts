import { describe, expect, it } from "vitest";
import { isAdmin, myRoleAfter } from "./myRole.js";

describe("the signed-in person's own role", () => {
  it("follows a profile about them: demoted, then promoted again", () => {
    expect(myRoleAfter("admin", 7, { id: 7, role: "member" })).toBe("member");
    expect(myRoleAfter("member", 7, { id: 7, role: "admin" })).toBe("admin");
  });

  it("stays as it is when someone else's profile changes", () => {
    expect(myRoleAfter("admin", 7, { id: 8, role: "member" })).toBe("admin");
    expect(isAdmin(myRoleAfter(undefined, 7, { id: 8, role: "admin" }))).toBe(false);
  });
});
