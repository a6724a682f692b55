/** The profile form's fields as the server has them and as typed. */
export interface ProfileFields {
  displayName: string;
  title: string;
  status: string;
  /** "keep" (the expiry already set), "" (never) or hours. */
  statusHours: string;
  timeZone: string;
}

const FIELD_NAMES: [keyof ProfileFields, string][] = [
  ["displayName", "display name"], ["title", "title"], ["status", "status"], ["statusHours", "status expiry"], ["timeZone", "time zone"],
];

/** What the profile form holds that is not saved, as a person reads it: "new picture", "display name"... */
export function unsavedProfileChanges(saved: ProfileFields, draft: ProfileFields, pictureChosen: boolean): string[] {
  const changes = pictureChosen ? ["new picture"] : [];
  for (const [field, name] of FIELD_NAMES) if (draft[field] !== saved[field]) changes.push(name);
  return changes;
}

/** "Your new picture and display name are not saved." */
export function unsavedSentence(changes: readonly string[]): string {
  if (changes.length === 0) return "";
  const list = changes.length === 1 ? changes[0]! : `${changes.slice(0, -1).join(", ")} and ${changes[changes.length - 1]}`;
  return `Your ${list} ${changes.length === 1 ? "is" : "are"} not saved.`;
}
