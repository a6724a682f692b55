import Bowser from "bowser";

/**
 * A session's device as a person would name it, from the User-Agent it signed in with: "Chrome on
 * Linux", "Firefox on Android". Browsers are told apart by bowser (their agents all claim to be
 * each other: Edge says Chrome and Safari too); a program that is not a browser is called by its
 * own product name ("curl", "python-requests"), and anything else is "Unknown device", never a
 * guess like "Browser".
 */
export function deviceName(agent: string | null | undefined): string {
  const ua = agent?.trim();
  if (!ua) return "Unknown device";
  const parsed = Bowser.parse(ua);
  const browser = parsed.browser.name;
  const system = parsed.os.name;
  if (browser) return system ? `${browser} on ${system}` : browser;
  // Not a browser bowser knows: "curl/8.5.0", "python-requests/2.31" name themselves first.
  const product = /^([A-Za-z][\w.-]{0,39})\/\S/.exec(ua)?.[1];
  if (product && product !== "Mozilla") return product;
  return system ? `Unknown browser on ${system}` : "Unknown device";
}
