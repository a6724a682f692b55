/** A sender's name in a list of messages, or a placeholder while it is being fetched (never "User 7"). */
export function SenderName({ name }: { name: string | null }) {
  return name === null
    ? <strong className="sender-pending" aria-busy="true"><span className="visually-hidden">Loading the name</span></strong>
    : <strong>{name}</strong>;
}
