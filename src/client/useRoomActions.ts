import { useCallback, useMemo } from "react";
import { GENERAL_ROOM_ID, type CreateRoomBody, type RoomDetails, type UpdateRoomBody } from "../protocol/index.js";
import { isPhoneLayout } from "./layout.js";
import { api } from "./api.js";
import type { RoomListing } from "./state/rooms.js";
import type { ChatController } from "./useChat.js";

export interface RoomActions {
  /** A named room or a group conversation; opens it. Rejects with the server's message. */
  create(body: CreateRoomBody): Promise<RoomDetails>;
  join(roomId: string): Promise<void>;
  leave(roomId: string): Promise<void>;
  remove(roomId: string): Promise<void>;
  update(roomId: string, body: UpdateRoomBody): Promise<void>;
  addMember(roomId: string, userId: number): Promise<void>;
  removeMember(roomId: string, userId: number): Promise<void>;
  /** Fetches `GET /room/:id` into the details slice. */
  loadDetails(roomId: string): Promise<void>;
}

/** A room's listing from its details, so it is shown at once (the `room.added` event follows). */
function listing(details: RoomDetails): RoomListing {
  return {
    id: details.id, names: details.members.map((m) => m.username), name: details.name, kind: details.kind,
    topic: details.topic, visibility: details.visibility,
  };
}

/**
 * What a person does to rooms (issue 9): create, join, leave, delete, change, add and remove members.
 * Each call goes to the server and puts its answer into the state; live events keep other tabs right.
 */
export function useRoomActions(chat: Pick<ChatController, "dispatch" | "openRoom" | "loadRoom" | "state">): RoomActions {
  const { dispatch, openRoom, loadRoom } = chat;
  const loadDetails = useCallback(async (roomId: string) => {
    dispatch({ type: "detailsLoaded", details: await api.room(roomId) });
  }, [dispatch]);

  const create = useCallback(async (body: CreateRoomBody) => {
    const details = await api.createRoom(body);
    dispatch({ type: "roomAdded", room: listing(details) });
    dispatch({ type: "detailsLoaded", details });
    loadRoom(details.id);
    openRoom(details.id);
    return details;
  }, [dispatch, loadRoom, openRoom]);

  const join = useCallback(async (roomId: string) => {
    await api.joinRoom(roomId);
    const details = await api.room(roomId);
    dispatch({ type: "roomAdded", room: listing(details) });
    dispatch({ type: "detailsLoaded", details });
    loadRoom(roomId);
    openRoom(roomId);
  }, [dispatch, loadRoom, openRoom]);

  // Out of a room: back to General (the chat list on a phone), then the room goes.
  const gone = useCallback((roomId: string) => {
    openRoom(isPhoneLayout() ? null : GENERAL_ROOM_ID);
    dispatch({ type: "roomRemoved", roomId, reason: "left" });
  }, [dispatch, openRoom]);

  const leave = useCallback(async (roomId: string) => {
    await api.leaveRoom(roomId);
    gone(roomId);
  }, [gone]);

  const remove = useCallback(async (roomId: string) => {
    await api.deleteRoom(roomId);
    gone(roomId);
  }, [gone]);

  const update = useCallback(async (roomId: string, body: UpdateRoomBody) => {
    const details = await api.updateRoom(roomId, body);
    dispatch({ type: "detailsLoaded", details });
    dispatch({ type: "roomUpdated", roomId, name: details.name, topic: details.topic, visibility: details.visibility });
  }, [dispatch]);

  const addMember = useCallback(async (roomId: string, userId: number) => {
    await api.addMember(roomId, userId);
    await loadDetails(roomId);
  }, [loadDetails]);

  const removeMember = useCallback(async (roomId: string, userId: number) => {
    await api.removeMember(roomId, userId);
    await loadDetails(roomId);
  }, [loadDetails]);

  return useMemo(() => ({ create, join, leave, remove, update, addMember, removeMember, loadDetails }),
    [create, join, leave, remove, update, addMember, removeMember, loadDetails]);
}
