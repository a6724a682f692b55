import { createContext, useContext } from "react";
import "./profile.css";

/** Opens the profile card of a person (any name or avatar does); a no-op outside the chat screen. */
export const ProfileCardContext = createContext<(userId: number) => void>(() => {});

export function useOpenProfile(): (userId: number) => void {
  return useContext(ProfileCardContext);
}
