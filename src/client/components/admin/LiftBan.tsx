import { useState } from "react";
import { ConfirmDialog } from "../ConfirmDialog.js";

/**
 * "Lift ban", asked first as the other account actions are (a misclick would let a banned person
 * straight back in). `onLift` throws on failure: the question stays, saying why.
 */
export function LiftBanButton({ name, onLift }: { name: string; onLift: () => Promise<void> }) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <button type="button" className="ghost ghost--small" aria-label={`Lift ban on ${name}`} onClick={() => setAsking(true)}>Lift ban</button>
      {asking && (
        <ConfirmDialog title={`Lift the ban on ${name}?`} confirmLabel="Lift ban" onCancel={() => setAsking(false)}
          onConfirm={async () => {
            await onLift();
            setAsking(false);
          }}>
          <p>They can sign in again at once, and are back in the rooms they were in.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
