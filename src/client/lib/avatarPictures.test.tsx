import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Avatar } from "../components/Avatar.js";
import { rememberAvatarUrls } from "./avatarPictures.js";

describe("profile pictures in avatars", () => {
  it("an avatar shows the person's known picture at the size it is drawn, and initials once they have none", () => {
    rememberAvatarUrls([{ id: 7, avatarUrl: "/users/7/avatar?v=abc" }]);
    expect(renderToString(<Avatar name="Joe" id={7} size={30} />)).toContain('src="/users/7/avatar?v=abc&amp;size=64"');
    expect(renderToString(<Avatar name="Joe" id={7} size={56} />)).toContain("size=256");
    rememberAvatarUrls([{ id: 7 }]);
    const none = renderToString(<Avatar name="Joe" id={7} size={30} />);
    expect(none).not.toContain("<img");
    expect(none).toContain(">JO<");
  });

  it("a picture given outright wins; rooms (string ids) and labelled avatars keep their initials", () => {
    rememberAvatarUrls([{ id: 8, avatarUrl: "/users/8/avatar?v=x" }]);
    expect(renderToString(<Avatar name="Ann" id={8} src={null} />)).not.toContain("<img");
    expect(renderToString(<Avatar name="Ann" id={9} src="/users/9/avatar?v=y" />)).toContain("/users/9/avatar?v=y&amp;size=256");
    expect(renderToString(<Avatar name="design" id="room:8" />)).not.toContain("<img");
    expect(renderToString(<Avatar name="group" id={8} label="3" />)).not.toContain("<img");
  });
});
