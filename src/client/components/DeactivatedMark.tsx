/**
 * The small muted "deactivated" after a deactivated person's name (people, members, a message's
 * author). The word itself is read out, set apart from the name by hidden brackets.
 */
export function DeactivatedMark() {
  return (
    <span className="deactivated-mark" title="This account is deactivated">
      <span className="visually-hidden"> (</span>deactivated<span className="visually-hidden">)</span>
    </span>
  );
}
