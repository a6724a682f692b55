import { useState } from "react";
import { avatarSizeFor } from "../../protocol/index.js";
import { avatarStyle, initials, type AvatarPattern } from "../lib/avatar.js";
import { useAvatarUrl } from "../lib/avatarPictures.js";

/** The overlay of each pattern, drawn in a translucent shade over the disc (viewBox 0 0 40 40). */
function Pattern({ pattern }: { pattern: AvatarPattern }) {
  const shade = "rgb(255 255 255 / 0.22)";
  switch (pattern) {
    case "plain":
      return null;
    case "band":
      return <path d="M0 26 L26 0 L36 0 L0 36 Z" fill={shade} />;
    case "lower":
      return <rect x="0" y="29" width="40" height="11" fill="rgb(0 0 0 / 0.22)" />;
    case "ring":
      return <circle cx="20" cy="20" r="17" fill="none" stroke={shade} strokeWidth="3" />;
    case "corner":
      return <circle cx="33" cy="7" r="9" fill={shade} />;
    case "split":
      return <rect x="20" y="0" width="20" height="40" fill="rgb(0 0 0 / 0.16)" />;
    case "wedge":
      return <path d="M20 20 L40 40 L0 40 Z" fill={shade} />;
    case "dots":
      return (
        <g fill={shade}>
          <circle cx="8" cy="12" r="3" /><circle cx="32" cy="12" r="3" /><circle cx="8" cy="28" r="3" /><circle cx="32" cy="28" r="3" />
        </g>
      );
  }
}

/**
 * A person's profile picture when they have one (`src`, or else what is known of user `id`: a
 * numeric id is a user id), else initials on a colour and pattern chosen by `id` (a user id, so
 * namesakes differ) or by the name, drawn locally. A picture that fails to load falls back to the
 * initials. `label` replaces the initials (a group conversation's member count).
 */
export function Avatar({ name, id, size = 36, online, label, src, glyph }: {
  name: string; id?: number | string; size?: number; online?: boolean; label?: string; src?: string | null;
  /** A drawn sign instead of the text: a closed room's lock (the row or heading says so in words). */
  glyph?: "lock";
}) {
  const known = useAvatarUrl(typeof id === "number" && label === undefined ? id : undefined);
  const picture = src === undefined ? known : src;
  const url = picture ? `${picture}${picture.includes("?") ? "&" : "?"}size=${avatarSizeFor(size)}` : null;
  const [failed, setFailed] = useState<string | null>(null);
  const style = avatarStyle(id ?? name);
  const fill = `hsl(${style.hue} 55% ${style.lightness}%)`;
  return (
    <span className="avatar" style={{ width: size, height: size }} aria-hidden="true">
      {url && failed !== url ? (
        <img className="avatar__img" src={url} width={size} height={size} alt="" loading="lazy" decoding="async" onError={() => setFailed(url)} />
      ) : (
        <svg viewBox="0 0 40 40" width={size} height={size} focusable="false">
          <rect width="40" height="40" fill={fill} />
          <Pattern pattern={style.pattern} />
          {glyph === "lock" ? (
            <g className="avatar__lock">
              <path d="M15.5 19.5v-3.2a4.5 4.5 0 0 1 9 0v3.2" fill="none" stroke="#fff" strokeWidth="2.4" strokeLinecap="round" />
              <rect x="12.5" y="19" width="15" height="11.5" rx="2.2" fill="#fff" />
            </g>
          ) : (
            <text x="20" y="20" dy="0.35em" textAnchor="middle" fontSize="15" fontWeight="600" fill="#fff">
              {label ?? initials(name)}
            </text>
          )}
        </svg>
      )}
      {online !== undefined && <span className={online ? "dot dot--on" : "dot"} />}
    </span>
  );
}
