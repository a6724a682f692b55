import { CopyLink } from "../components/CopyLink.js";
import { invitePointer, signUpAddress } from "./pointer.js";
import { useRegistrationMode } from "./registrationMode.js";
import { useNobodyElse } from "./useNobodyElse.js";
import "./invite.css";

/** Where an administrator brings people in: the Admin dialog's invitation links, or its Accounts tab where the place is closed. */
export type InviteTab = "invites" | "accounts";

interface Props {
  /** The reader is an administrator now (live: a demotion takes the buttons away). */
  admin: boolean;
  /** Opens the Admin dialog on that tab (the shell holds it). */
  onOpenAdmin: (tab: InviteTab) => void;
  /** Sized for the sidebar (small text and button), not an empty room. */
  compact?: boolean;
}

/**
 * Under "Nobody else is here yet.": how to get people in, as the server's rules allow the reader
 * (see `invitePointer`): "Invite people" (the invitation links), "Create accounts", the sign-up
 * address to copy, or whom to ask. Nothing until the registration mode is known.
 */
export function InvitePeople({ admin, onOpenAdmin, compact }: Props) {
  const mode = useRegistrationMode();
  if (!mode) return null;
  const pointer = invitePointer(mode, admin);
  const text = compact ? "muted small" : "muted";
  const button = compact ? "primary primary--small" : "primary";
  switch (pointer.kind) {
    case "invite":
      return (
        <div className="invite-pointer">
          <button type="button" className={button} onClick={() => onOpenAdmin("invites")}>Invite people</button>
        </div>
      );
    case "create-accounts":
      return (
        <div className="invite-pointer">
          <p className={text}>Only administrators create accounts here.</p>
          <button type="button" className={button} onClick={() => onOpenAdmin("accounts")}>Create accounts</button>
        </div>
      );
    case "address":
      return (
        <div className="invite-pointer invite-pointer--address">
          <p className={text}>Anyone can sign up at this address:</p>
          <CopyLink url={signUpAddress(window.location.origin)} label="Sign-up address" />
        </div>
      );
    case "ask":
      return <div className="invite-pointer"><p className={text}>{pointer.text}</p></div>;
  }
}

/**
 * An empty room's pointer while the reader is alone in the place (the first administrator, just
 * set up, in General): "Say hello!" alone would speak to nobody.
 */
export function InviteWhenAlone({ meId, ...props }: Props & { meId: number }) {
  const nobodyElse = useNobodyElse(meId);
  if (!nobodyElse) return null;
  return (
    <div className="invite-alone">
      <p className="muted">Nobody else is here yet.</p>
      <InvitePeople {...props} />
    </div>
  );
}
