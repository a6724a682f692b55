/**
 * Why this tab was signed out, when it was not the person's own doing (an administrator
 * deactivated the account): kept in sessionStorage across the switch to the sign-in page (and a
 * reload there), and cleared once someone is signed in again.
 */
const KEY = "redis-chat:signed-out-notice";

export function rememberSignedOutNotice(text: string): void {
  try {
    sessionStorage.setItem(KEY, text);
  } catch {
    // Storage refused (private mode, quota): the sign-in page just says nothing.
  }
}

export function signedOutNotice(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function clearSignedOutNotice(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing kept, nothing to clear.
  }
}
