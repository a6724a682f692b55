import { compareMessageIds } from "../../protocol/index.js";

export { compareMessageIds };

export function isAfter(id: string, than: string | null): boolean {
  return than === null || compareMessageIds(id, than) > 0;
}
