import { describe, expect, it } from "vitest";
import type { Message } from "../src/api/types";
import {
  applyEdit,
  applyReaction,
  localId,
  mergeMessages,
  newestStored,
  oldestStored,
  optimisticMessage,
  reconcileLatest,
  removeMessage,
  setLocalStatus,
  type ChatMessage,
} from "../src/realtime/timeline";

let clock = Date.parse("2026-05-01T10:00:00Z");

function message(id: string, overrides: Partial<Message> = {}): Message {
  clock += 1000;
  return {
    id,
    roomId: "room_1",
    userId: "usr_bob",
    userName: "bob",
    content: `content of ${id}`,
    createdAt: new Date(clock).toISOString(),
    editedAt: null,
    replyToId: null,
    reactions: [],
    clientMessageId: null,
    ...overrides,
  };
}

const ids = (list: ChatMessage[]) => list.map((m) => m.id);

describe("mergeMessages (dedupe)", () => {
  it("shows a message once whatever path brings it: broadcast, ack, ?after= page", () => {
    const m1 = message("msg_1");
    const m2 = message("msg_2");
    let timeline = mergeMessages([], [m1]).messages;
    timeline = mergeMessages(timeline, [m1]).messages; // the broadcast and the ack
    const page = mergeMessages(timeline, [m1, m2]); // a page overlapping what is shown

    expect(ids(page.messages)).toEqual(["msg_1", "msg_2"]);
    expect(ids(page.added)).toEqual(["msg_2"]);
  });

  it("sorts by time whatever the arrival order (older pages, newest-first pages)", () => {
    const a = message("msg_a");
    const b = message("msg_b");
    const c = message("msg_c");
    const timeline = mergeMessages(mergeMessages([], [c]).messages, [b, a]).messages;

    expect(ids(timeline)).toEqual(["msg_a", "msg_b", "msg_c"]);
  });

  it("replaces the optimistic copy by the stored message with the same clientMessageId", () => {
    const pending = optimisticMessage({ clientMessageId: "cm-1", roomId: "room_1", userId: "usr_me", userName: "me", content: "hi", createdAt: new Date(clock + 5000).toISOString() });
    const other = message("msg_other");
    let timeline = mergeMessages([], [other, pending]).messages;
    expect(ids(timeline)).toEqual(["msg_other", localId("cm-1")]);

    const storedCopy = message("msg_mine", { userId: "usr_me", userName: "me", content: "hi", clientMessageId: "cm-1" });
    const merged = mergeMessages(timeline, [storedCopy]);
    timeline = merged.messages;

    expect(ids(timeline)).toEqual(["msg_other", "msg_mine"]);
    expect(timeline[1].status).toBe("sent");
    expect(merged.added).toEqual([]); // not new to the reader: it was shown already

    // The ack after the broadcast (or the other way round) changes nothing.
    expect(mergeMessages(timeline, [storedCopy]).messages).toBe(timeline);
  });

  it("does not take another user's message with the same clientMessageId for mine", () => {
    const pending = optimisticMessage({ clientMessageId: "same", roomId: "room_1", userId: "usr_me", userName: "me", content: "hi", createdAt: new Date(clock).toISOString() });
    const theirs = message("msg_theirs", { clientMessageId: "same" });
    const timeline = mergeMessages([pending], [theirs]).messages;

    expect(ids(timeline)).toContain(localId("same"));
    expect(ids(timeline)).toContain("msg_theirs");
  });

  it("returns the same array when nothing changed (no re-render)", () => {
    const m1 = message("msg_1");
    const timeline = mergeMessages([], [m1]).messages;
    expect(mergeMessages(timeline, [m1]).messages).toBe(timeline);
    expect(mergeMessages(timeline, []).messages).toBe(timeline);
  });

  it("keeps an edit when a stale copy comes back in a page fetched before it", () => {
    const original = message("msg_1");
    const edited = { ...original, content: "fixed", editedAt: new Date(clock + 60_000).toISOString() };
    const timeline = mergeMessages([], [edited]).messages;

    expect(mergeMessages(timeline, [original]).messages[0].content).toBe("fixed");
    expect(mergeMessages([{ ...original, status: "sent" }], [edited]).messages[0].content).toBe("fixed");
  });
});

describe("edits, deletions and reactions", () => {
  it("applies message:updated and message:deleted", () => {
    const timeline = mergeMessages([], [message("msg_1"), message("msg_2")]).messages;
    const edited = applyEdit(timeline, { messageId: "msg_1", roomId: "room_1", content: "new", editedAt: "2026-05-01T11:00:00Z" });
    expect(edited[0].content).toBe("new");
    expect(edited[0].editedAt).toBe("2026-05-01T11:00:00Z");
    expect(ids(removeMessage(edited, "msg_1"))).toEqual(["msg_2"]);
    expect(removeMessage(edited, "msg_unknown")).toBe(edited);
  });

  it("applies reactions idempotently (ack and broadcast both report them)", () => {
    let timeline = mergeMessages([], [message("msg_1")]).messages;
    const event = { messageId: "msg_1", roomId: "room_1", emoji: "🎉", userId: "usr_me" };
    timeline = applyReaction(timeline, event, true);
    timeline = applyReaction(timeline, event, true);
    timeline = applyReaction(timeline, { ...event, userId: "usr_bob" }, true);
    expect(timeline[0].reactions).toEqual([{ emoji: "🎉", count: 2, userIds: ["usr_me", "usr_bob"] }]);

    timeline = applyReaction(timeline, event, false);
    timeline = applyReaction(timeline, event, false);
    expect(timeline[0].reactions).toEqual([{ emoji: "🎉", count: 1, userIds: ["usr_bob"] }]);
    timeline = applyReaction(timeline, { ...event, userId: "usr_bob" }, false);
    expect(timeline[0].reactions).toEqual([]);
  });

  it("sets the status of an optimistic message", () => {
    const pending = optimisticMessage({ clientMessageId: "cm", roomId: "room_1", userId: "usr_me", userName: "me", content: "x", createdAt: new Date(clock).toISOString() });
    const failed = setLocalStatus([pending], "cm", "failed", "Not a member.");
    expect(failed[0].status).toBe("failed");
    expect(failed[0].error).toBe("Not a member.");
  });
});

describe("cursors and reconciliation after a reconnect", () => {
  it("uses stored messages only as ?after= / ?before= cursors", () => {
    const m1 = message("msg_1");
    const m2 = message("msg_2");
    const pending = optimisticMessage({ clientMessageId: "cm", roomId: "room_1", userId: "usr_me", userName: "me", content: "x", createdAt: new Date(clock + 10_000).toISOString() });
    const timeline = mergeMessages([], [m1, m2, pending]).messages;

    expect(newestStored(timeline)?.id).toBe("msg_2");
    expect(oldestStored(timeline)?.id).toBe("msg_1");
  });

  it("drops what the server deleted while away, takes edits and reactions, keeps pending ones", () => {
    const m1 = message("msg_1");
    const m2 = message("msg_2");
    const m3 = message("msg_3");
    const pending = optimisticMessage({ clientMessageId: "cm", roomId: "room_1", userId: "usr_me", userName: "me", content: "queued", createdAt: new Date(clock + 10_000).toISOString() });
    const timeline = mergeMessages([], [m1, m2, m3, pending]).messages;

    // The newest page (newest first): m2 was deleted, m3 edited and reacted to.
    const m3Now = { ...m3, content: "edited", editedAt: new Date(clock + 20_000).toISOString(), reactions: [{ emoji: "👍", count: 1, userIds: ["usr_x"] }] };
    const reconciled = reconcileLatest(timeline, [m3Now, m1], false);

    expect(ids(reconciled)).toEqual(["msg_1", "msg_3", localId("cm")]);
    expect(reconciled[1].content).toBe("edited");
    expect(reconciled[1].reactions).toHaveLength(1);
  });

  it("keeps older history beyond the page when the page says there is more", () => {
    const old = message("msg_old");
    const m1 = message("msg_1");
    const timeline = mergeMessages([], [old, m1]).messages;

    expect(ids(reconcileLatest(timeline, [m1], true))).toEqual(["msg_old", "msg_1"]);
    expect(ids(reconcileLatest(timeline, [m1], false))).toEqual(["msg_1"]);
  });
});
