import { SESSION_GONE_NOTICES, type SessionEndedHeader, type SessionGoneCode } from "../../protocol/index.js";

/**
 * Why this tab was signed out when it was not its own doing (a ban, a deactivation, signing out
 * in another tab or from another device), and whose account it was: kept in sessionStorage across
 * the switch to the sign-in page (and a reload there), cleared once someone is signed in again.
 */
const KEY = "redis-chat:signed-out-notice";

export interface SignedOutNotice {
  /** What the person reads (a ban's reason comes separately, in `detail`). */
  text: string;
  code?: SessionGoneCode | "signed-out-everywhere";
  /** A ban's reason, as the administrator gave it. */
  detail?: string;
  /** Whose session it was: their kept drafts are shown with the notice. */
  userId?: number;
  username?: string;
}

/** The account can no longer be used: what it left unsent here cannot be sent. */
export function accountClosed(notice: SignedOutNotice | null): boolean {
  return notice?.code === "banned" || notice?.code === "deactivated";
}

/**
 * The notice for why the server says the session ended: a `session.ended`, or a 401's or refused
 * handshake's `ended` (an older server's `session.ended` may carry no code).
 */
export function noticeFromServer(notice: { code?: SessionGoneCode | undefined; detail?: string | undefined }, me: { id: number; username: string } | undefined): SignedOutNotice | null {
  if (!notice.code) return null;
  return {
    text: SESSION_GONE_NOTICES[notice.code],
    code: notice.code,
    ...(notice.detail ? { detail: notice.detail } : {}),
    ...(me ? { userId: me.id, username: me.username } : {}),
  };
}

/**
 * A page loaded anew (reloaded, a new tab) whose cookie's session has ended: `GET /me` says why
 * (SESSION_ENDED_HEADER) and the sign-in form says it, as an open page's would. A reason this tab
 * already keeps stands (it heard the ending live, or signed out everywhere itself).
 */
export function rememberEndedAtStart(ended: SessionEndedHeader): void {
  if (signedOutNotice()) return;
  const notice = noticeFromServer(ended, ended.user);
  if (notice) rememberSignedOutNotice(notice);
}

/** When a tab of this browser last signed out (ms): shared by every tab (localStorage). */
const SIGNED_OUT_AT_KEY = "redis-chat:signed-out-at";

/**
 * A tab of this browser signs out (itself, or everywhere): its sign-out clears the cookie every
 * tab shares, so a tab that was away then finds no session and no reason from the server. This
 * tells it.
 */
export function rememberSignedOutHere(): void {
  try {
    localStorage.setItem(SIGNED_OUT_AT_KEY, String(Date.now()));
  } catch {
    // Storage refused: such a tab says only that it is no longer signed in.
  }
}

/**
 * The session is gone and the server did not say why: no session cookie was sent (another tab of
 * this browser signed out while this one was away, or the cookie expired), or an older server.
 * `since`: when this page's session began here (a sign-out in another tab after it is the cause).
 */
export function noticeWithoutReason(me: { id: number; username: string }, since: number): SignedOutNotice {
  let at = 0;
  try {
    at = Number(localStorage.getItem(SIGNED_OUT_AT_KEY)) || 0;
  } catch {
    // No storage: no sign-out known.
  }
  const who = { userId: me.id, username: me.username };
  if (at >= since) return { text: SESSION_GONE_NOTICES["signed-out"], code: "signed-out", ...who };
  return { text: "This browser is no longer signed in: sign in again.", ...who };
}

export function rememberSignedOutNotice(notice: SignedOutNotice): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(notice));
  } catch {
    // Storage refused (private mode, quota): the sign-in page just says nothing.
  }
}

export function signedOutNotice(): SignedOutNotice | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    try {
      const parsed = JSON.parse(raw) as SignedOutNotice;
      if (parsed && typeof parsed.text === "string") return parsed;
    } catch {
      // An earlier version kept the text alone.
    }
    return { text: raw };
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
