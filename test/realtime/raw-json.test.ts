import { describe, expect, it } from "vitest";
import { rawMemberText } from "../../src/server/realtime/raw-json.js";

describe("rawMemberText: a member's value exactly as written", () => {
  it("finds data in a Python json.dumps envelope, spacing and all", () => {
    const data = `{"from": "1", "date": "1615480369", "message": "Hello", "roomId": "1:2"}`;
    expect(rawMemberText(`{"serverId": 148226.37, "type": "message", "data": ${data}}`, "data")).toBe(data);
  });

  it("is not fooled by braces, quotes and escapes inside strings, nor by a nested key of the same name", () => {
    const data = `{"message":"a } \\" { \\\\","data":{"x":[1,{"y":"]"}]},"roomId":"0"}`;
    const raw = `{"type":"message","serverId":"a\\"b","data":${data},"tail":true}`;
    expect(JSON.parse(raw).data).toEqual(JSON.parse(data));
    expect(rawMemberText(raw, "data")).toBe(data);
    expect(rawMemberText(raw, "tail")).toBe("true");
  });

  it("answers undefined when there is no such member or the text is not an object", () => {
    expect(rawMemberText(`{"type":"message"}`, "data")).toBeUndefined();
    expect(rawMemberText(`[1,2]`, "data")).toBeUndefined();
    expect(rawMemberText(`not json`, "data")).toBeUndefined();
  });
});
