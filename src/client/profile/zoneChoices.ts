/**
 * The time zones offered in Settings. Browsers list some zones by names the IANA database has since
 * changed (Asia/Calcutta, Europe/Kiev, Asia/Saigon): people look for Kolkata, Kyiv, Ho Chi Minh. The
 * current name is what is saved and shown; both name the same zone to every Intl implementation.
 */
const CURRENT_NAME: Record<string, string> = {
  "Africa/Asmera": "Africa/Asmara",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Catamarca": "America/Argentina/Catamarca",
  "America/Coral_Harbour": "America/Atikokan",
  "America/Cordoba": "America/Argentina/Cordoba",
  "America/Godthab": "America/Nuuk",
  "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Jujuy": "America/Argentina/Jujuy",
  "America/Louisville": "America/Kentucky/Louisville",
  "America/Mendoza": "America/Argentina/Mendoza",
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Rangoon": "Asia/Yangon",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Europe/Kiev": "Europe/Kyiv",
  "Pacific/Enderbury": "Pacific/Kanton",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Truk": "Pacific/Chuuk",
};

/** A zone by its current IANA name ("Asia/Calcutta" is "Asia/Kolkata"); any other name as given. */
export function currentZoneName(zone: string): string {
  return CURRENT_NAME[zone] ?? zone;
}

export interface ZoneChoice {
  value: string;
  /** "Kolkata (UTC+05:30)": the place first, so typing its first letters in the list finds it. */
  label: string;
}

/** "UTC+05:30" for a zone at that time; "UTC" for none. */
export function utcOffset(zone: string, at: Date): string {
  const name = new Intl.DateTimeFormat("en", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  return name === "GMT" || name === "GMT+00:00" ? "UTC" : name.replace("GMT", "UTC");
}

/** "America/Argentina/Buenos_Aires" → "Buenos Aires"; "UTC" → "UTC". */
function placeOf(zone: string): string {
  return zone.slice(zone.lastIndexOf("/") + 1).replace(/_/g, " ");
}

/**
 * The zones grouped by region ("Asia", "Europe"; zones with no region under "Other"), each sorted by
 * place, labelled with their offset at `at`, under current names and without duplicates.
 */
export function zoneChoices(zones: readonly string[], at: Date): { region: string; zones: ZoneChoice[] }[] {
  const regions = new Map<string, ZoneChoice[]>();
  for (const value of new Set(zones.map(currentZoneName))) {
    let offset: string;
    try {
      offset = utcOffset(value, at);
    } catch {
      continue; // A name this engine cannot use: not offered.
    }
    const region = value.includes("/") ? value.slice(0, value.indexOf("/")) : "Other";
    const list = regions.get(region) ?? [];
    const place = placeOf(value);
    list.push({ value, label: place === offset ? place : `${place} (${offset})` });
    regions.set(region, list);
  }
  return [...regions].sort(([a], [b]) => (a === "Other" ? 1 : b === "Other" ? -1 : a.localeCompare(b)))
    .map(([region, list]) => ({ region, zones: list.sort((x, y) => x.label.localeCompare(y.label)) }));
}
