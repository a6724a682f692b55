import { SearchPage, type SearchHas } from "../../protocol/index.js";
import { request } from "../api.js";

export interface SearchParams {
  q: string;
  room?: string;
  has?: SearchHas;
  cursor?: string;
}

/** `GET /search`: one page of results, newest first. */
export function searchMessages(params: SearchParams, signal?: AbortSignal) {
  const query = new URLSearchParams({ q: params.q, limit: "20" });
  if (params.room) query.set("room", params.room);
  if (params.has) query.set("has", params.has);
  if (params.cursor) query.set("cursor", params.cursor);
  return request(SearchPage, `/search?${query}`, { signal });
}
