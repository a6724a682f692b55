import { useState, type ReactNode } from "react";
import type { UserWithPresence } from "../../protocol/index.js";
import type { ChatState } from "../state/chat.js";
import { shownName } from "../profile/api.js";
import { usePeopleDirectory } from "../profile/usePeopleDirectory.js";
import { useOpenProfile } from "../profile/ProfileCardContext.js";
import { Avatar } from "./Avatar.js";
import { MessageIcon } from "./Icons.js";
import { errorText } from "./Dialog.js";
import { SidebarSection } from "./SidebarSection.js";

/** People in a group conversation besides me: the server wants 3 or more in all. */
const GROUP_MIN_OTHERS = 2;

/**
 * Every member of the place (the people directory, issue 18), online first, filtered by name. A click
 * on a person opens their profile card (who they are, local time, "Message", alerts); the row's
 * message button opens the one-to-one conversation in one step. "New group" switches to choosing
 * several people for a group conversation (`onStartGroup`). With nobody else in the place, `whenNobody`
 * (given by the shell: how to get people in) follows "Nobody else is here yet."
 */
export function PeopleList({ state, onOpen, onStartGroup, whenNobody }: {
  state: ChatState;
  onOpen: (user: UserWithPresence) => Promise<void>;
  onStartGroup?: (people: UserWithPresence[]) => Promise<void>;
  whenNobody?: ReactNode;
}) {
  const [filter, setFilter] = useState("");
  const { people, searching, hasMore, more } = usePeopleDirectory(state, filter);
  const [error, setError] = useState<string | null>(null);
  const [choosing, setChoosing] = useState(false);
  const [chosen, setChosen] = useState<UserWithPresence[]>([]);
  const [busy, setBusy] = useState(false);
  const openProfile = useOpenProfile();
  const query = filter.trim();

  const attempt = async (work: () => Promise<void>) => {
    setError(null);
    setBusy(true);
    try {
      await work();
      return true;
    } catch (e) {
      setError(errorText(e) || "Could not open the conversation");
      return false;
    } finally {
      setBusy(false);
    }
  };
  const toggle = (user: UserWithPresence) =>
    setChosen((list) => (list.some((p) => p.id === user.id) ? list.filter((p) => p.id !== user.id) : [...list, user]));
  const stopChoosing = () => {
    setChoosing(false);
    setChosen([]);
  };
  const startGroup = async () => {
    if (!onStartGroup) return;
    if (await attempt(() => onStartGroup(chosen))) {
      stopChoosing();
      setFilter("");
    }
  };

  const actions = onStartGroup && (choosing
    ? <button type="button" className="ghost ghost--small" onClick={stopChoosing}>Cancel</button>
    : <button type="button" className="ghost ghost--small" onClick={() => setChoosing(true)}>New group</button>);

  return (
    <SidebarSection id="people" title="People" count={people.length} actions={actions}
      filter={{ value: filter, onChange: setFilter, label: "Filter people", placeholder: "Find people by name" }}>
      {choosing && (
        <div className="group-bar" role="group" aria-label="New group conversation">
          {/* Short enough for one line beside the button in the sidebar. */}
          <span className="small">{chosen.length === 0 ? `Choose ${GROUP_MIN_OTHERS} or more people`
            : chosen.length < GROUP_MIN_OTHERS ? `${chosen.length} chosen, ${GROUP_MIN_OTHERS - chosen.length} more to go`
            : `${chosen.length} people chosen`}</span>
          <button type="button" className="primary primary--small" disabled={chosen.length < GROUP_MIN_OTHERS || busy}
            onClick={() => void startGroup()}>Start group</button>
        </div>
      )}
      {error && <p className="error pad" role="alert">{error}</p>}
      {people.length === 0 ? (
        searching || query ? <p className="muted pad small">{searching ? "Searching…" : `Nobody called “${query}”.`}</p> : (
          <div className="pad">
            <p className="muted small">Nobody else is here yet.</p>
            {whenNobody}
          </div>
        )
      ) : (
        <ul className="list">
          {people.map((user) => (
            <li key={user.id} className="row-item">
              {choosing ? (
                <label className="row row--person row--choose">
                  <input type="checkbox" checked={chosen.some((p) => p.id === user.id)} onChange={() => toggle(user)}
                    aria-label={`Choose ${shownName(user)}`} />
                  <Avatar name={shownName(user)} id={user.id} size={30} online={user.online} />
                  <span className="row__name">{shownName(user)}</span>
                  <span className="row__status">{user.online ? "online" : "offline"}</span>
                </label>
              ) : (
                // Its text is the name, so is its accessible name (WCAG 2.5.3); the state sits over the row beside it.
                <>
                  <button type="button" className="row row--person" onClick={() => openProfile(user.id)} aria-haspopup="dialog"
                    aria-labelledby={`person-${user.id}`} aria-describedby={`person-state-${user.id}`}>
                    <span className="row__name" id={`person-${user.id}`}>{shownName(user)}</span>
                  </button>
                  <span className="row__lead"><Avatar name={shownName(user)} id={user.id} size={30} online={user.online} /></span>
                  <span className="row__extra row__extra--status" id={`person-state-${user.id}`}>{user.online ? "online" : "offline"}</span>
                  <button type="button" className="icon-button row__message" aria-label={`Message ${shownName(user)}`} title="Message"
                    onClick={() => void attempt(() => onOpen(user))}><MessageIcon /></button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {hasMore && <button type="button" className="link pad small" onClick={more}>Show more people</button>}
    </SidebarSection>
  );
}
