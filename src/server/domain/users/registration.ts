import { InviteCode, type RegistrationMode } from "../../../protocol/index.js";
import type { Invites } from "./invites.js";
import type { Standing } from "./standing.js";

/** Why a new name may not register; `status` is the HTTP status to answer. */
export type RegistrationRefusal = { allowed: false; status: 403 | 404; message: string };
export type RegistrationAdmission = { allowed: true; invite?: string };

export const REFUSALS = {
  notFound: "No account with that name",
  needsInvite: "Registration needs an invitation: ask an administrator for an invitation link",
  invalidInvite: "This invitation is not valid: it is unknown, expired or used up",
  closed: "Registration is closed: an administrator creates accounts here",
} as const;

/**
 * Who may create an account (`REGISTRATION`): `open` (anyone, as the seed), `invite` (a valid
 * invitation code, one use taken per account), `closed` (only administrators, by `POST /admin/users`).
 * Decides before an account is created; the caller refunds the invitation when no account was
 * made after all (the name turned out to exist).
 */
export class Registration {
  /** `settings`: the mode is the place's setting of the moment (issue 18: administrators change it at run time). */
  constructor(
    private readonly settings: { registration(): Promise<RegistrationMode> },
    private readonly invites: Invites,
    private readonly standing: Pick<Standing, "standsBehind">,
  ) {}

  mode(): Promise<RegistrationMode> {
    return this.settings.registration();
  }

  /**
   * May this unknown name register now? `createAccount: false` means the client only wants to sign
   * in (404). With `invite` mode, takes one use of the invitation.
   */
  async admit(request: { invite?: string; createAccount?: boolean }): Promise<RegistrationAdmission | RegistrationRefusal> {
    if (request.createAccount === false) return { allowed: false, status: 404, message: REFUSALS.notFound };
    const mode = await this.mode();
    if (mode === "open") return { allowed: true };
    if (mode === "closed") return { allowed: false, status: 403, message: REFUSALS.closed };
    if (request.invite === undefined || request.invite === "") return { allowed: false, status: 403, message: REFUSALS.needsInvite };
    if (!InviteCode.safeParse(request.invite).success || !(await this.usable(request.invite)) || !(await this.invites.redeem(request.invite))) {
      return { allowed: false, status: 403, message: REFUSALS.invalidInvite };
    }
    return { allowed: true, invite: request.invite };
  }

  /** An invitation works only while the administrator who made it is neither banned nor deactivated. */
  async usable(code: string): Promise<boolean> {
    const invite = await this.invites.get(code);
    return invite !== undefined && (await this.standing.standsBehind(invite.createdBy));
  }

  /** The account was not created after all (a concurrent registration took the name): give the use back. */
  async undo(admission: RegistrationAdmission): Promise<void> {
    if (admission.invite) await this.invites.refund(admission.invite);
  }
}
