import { describe, expect, it } from "vitest";
import { invitePointer, signUpAddress } from "./pointer.js";

describe("who an empty place points at to bring people in", () => {
  it("an administrator of a place by invitation is offered the invitation links", () => {
    expect(invitePointer("invite", true)).toEqual({ kind: "invite" });
  });

  it("an administrator of a closed place is offered account creation, the only way in", () => {
    expect(invitePointer("closed", true)).toEqual({ kind: "create-accounts" });
  });

  it("where registration is open, administrator or not, the sign-up address is offered", () => {
    expect(invitePointer("open", true)).toEqual({ kind: "address" });
    expect(invitePointer("open", false)).toEqual({ kind: "address" });
  });

  it("a member who may not bring people in is told to ask an administrator, for what the mode needs", () => {
    expect(invitePointer("invite", false)).toMatchObject({ kind: "ask", text: expect.stringMatching(/^Ask an administrator to invite people/) });
    expect(invitePointer("closed", false)).toMatchObject({ kind: "ask", text: expect.stringMatching(/^Ask an administrator to create accounts/) });
  });

  it("the sign-up address is the place's first page, whatever page the reader is on", () => {
    expect(signUpAddress("https://chat.example.com")).toBe("https://chat.example.com/");
    expect(signUpAddress("http://127.0.0.1:3000")).toBe("http://127.0.0.1:3000/");
  });
});
