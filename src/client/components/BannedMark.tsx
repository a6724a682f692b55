/**
 * The small muted "banned" after a banned member's name in a room's members (they stay members: a
 * lifted ban gives their rooms back). The word is read out, set apart by hidden brackets.
 */
export function BannedMark() {
  return (
    <span className="deactivated-mark" title="This account is banned">
      <span className="visually-hidden"> (</span>banned<span className="visually-hidden">)</span>
    </span>
  );
}
