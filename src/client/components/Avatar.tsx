import { avatarHue, initials } from "../lib/avatar.js";

/** Initials on a colour from the name's hash: drawn locally, no image requests. */
export function Avatar({ name, size = 36, online }: { name: string; size?: number; online?: boolean }) {
  const hue = avatarHue(name);
  return (
    <span className="avatar" style={{ width: size, height: size }} aria-hidden="true">
      <svg viewBox="0 0 40 40" width={size} height={size} focusable="false">
        <circle cx="20" cy="20" r="20" fill={`hsl(${hue} 55% 45%)`} />
        <text x="20" y="20" dy="0.35em" textAnchor="middle" fontSize="15" fontWeight="600" fill="#fff">
          {initials(name)}
        </text>
      </svg>
      {online !== undefined && <span className={online ? "dot dot--on" : "dot"} />}
    </span>
  );
}
