import { describe, expect, it } from "vitest";
import type { Message, User } from "../src/api/types";
import { mentions } from "../src/components/MessageContent";
import { dayKey, formatDay, formatShort, initials } from "../src/lib/format";
import { optimisticMessage, type ChatMessage } from "../src/realtime/timeline";
import { roomTitle, unreadCount, type ChatState, type RoomEntry } from "../src/state/chat";

const me: User = { id: "usr_me", userName: "alice", displayName: "Alice Martin", isAdmin: false, createdAt: "2026-01-01T00:00:00Z" };

function local(y: number, m: number, d: number, h = 12, min = 0): Date {
  return new Date(y, m - 1, d, h, min);
}

describe("day separators and times", () => {
  const now = local(2026, 5, 14, 9, 30);

  it("names today and yesterday, then the date, with the year only when it is another one", () => {
    expect(formatDay(local(2026, 5, 14, 0, 5).toISOString(), now)).toBe("Today");
    expect(formatDay(local(2026, 5, 13, 23, 59).toISOString(), now)).toBe("Yesterday");
    const earlier = formatDay(local(2026, 5, 11).toISOString(), now);
    expect(earlier).not.toMatch(/Today|Yesterday|2026/);
    expect(earlier).toMatch(/11/);
    expect(formatDay(local(2025, 12, 31).toISOString(), now)).toMatch(/2025/);
  });

  it("puts two times of one local day under one separator, and midnight starts the next", () => {
    expect(dayKey(local(2026, 5, 14, 0, 0).toISOString())).toBe(dayKey(local(2026, 5, 14, 23, 59).toISOString()));
    expect(dayKey(local(2026, 5, 14, 23, 59).toISOString())).not.toBe(dayKey(local(2026, 5, 15, 0, 0).toISOString()));
  });

  it("shows the time for today in lists, the day otherwise", () => {
    expect(formatShort(local(2026, 5, 14, 8, 5).toISOString(), now)).toMatch(/8:05/);
    expect(formatShort(local(2026, 5, 2, 8, 5).toISOString(), now)).not.toMatch(/8:05/);
  });

  it("makes initials for avatars", () => {
    expect(initials("Alice Martin")).toBe("AM");
    expect(initials("bob_84551c")).toBe("B");
    expect(initials("  ")).toBe("?");
  });
});

describe("@mentions", () => {
  it("finds a mention of the user, whatever the case, at the start or after a space or punctuation", () => {
    expect(mentions("@alice look", "alice")).toBe(true);
    expect(mentions("thanks, @Alice!", "alice")).toBe(true);
    expect(mentions("(@alice)", "alice")).toBe(true);
    expect(mentions("ping @alice.", "alice")).toBe(true);
  });

  it("does not take an e-mail address, a longer name or another user for a mention", () => {
    expect(mentions("write to bob@alice.com", "alice")).toBe(false);
    expect(mentions("@alicex hi", "alice")).toBe(false);
    expect(mentions("@bob hi", "alice")).toBe(false);
    expect(mentions("alice without at", "alice")).toBe(false);
  });
});

describe("unread counts", () => {
  let clock = Date.parse("2026-05-14T10:00:00Z");
  function message(id: string, userId: string): ChatMessage {
    clock += 1000;
    const m: Message = { id, roomId: "room_1", userId, userName: userId, content: id, createdAt: new Date(clock).toISOString(), editedAt: null, replyToId: null, reactions: [], clientMessageId: null };
    return { ...m, status: "sent" };
  }

  function state(messages: ChatMessage[], lastRead: Record<string, string>, hasMore = false): ChatState {
    return {
      me,
      timelines: { room_1: { messages, hasMore, loaded: true, loadingOlder: false, error: null } },
      lastRead,
    } as unknown as ChatState;
  }

  it("counts others' messages after the last one read; mine and pending ones never count", () => {
    const read = message("msg_1", "usr_bob");
    const mine = message("msg_2", me.id);
    const pending = optimisticMessage({ clientMessageId: "c1", roomId: "room_1", userId: me.id, userName: "alice", content: "x", createdAt: new Date(clock + 10).toISOString() });
    const newer = [message("msg_3", "usr_bob"), message("msg_4", "usr_carol")];
    expect(unreadCount(state([read, mine, ...newer, pending], { room_1: read.createdAt }), "room_1")).toEqual({ count: 2, more: false });
    expect(unreadCount(state([read, mine, ...newer], { room_1: newer[1].createdAt }), "room_1")).toEqual({ count: 0, more: false });
  });

  it("says there may be more when every loaded message is unread and older pages exist", () => {
    const all = [message("msg_5", "usr_bob"), message("msg_6", "usr_bob")];
    expect(unreadCount(state(all, {}, true), "room_1")).toEqual({ count: 2, more: true });
    expect(unreadCount(state(all, {}, false), "room_1")).toEqual({ count: 2, more: false });
  });
});

describe("room titles", () => {
  const base: RoomEntry = { id: "room_1", name: "alice, bob", isPrivate: true, isDirect: true, ownerId: me.id, createdAt: "2026-05-14T10:00:00Z", memberCount: 2, isMember: true, members: null };

  it("names a direct conversation after the other person", () => {
    expect(roomTitle(base, me)).toBe("bob");
    expect(roomTitle({ ...base, members: [{ userId: me.id, userName: "alice", displayName: "Alice" }, { userId: "usr_bob", userName: "bob", displayName: "Bob Chen" }] }, me)).toBe("Bob Chen");
    expect(roomTitle({ ...base, isDirect: false, name: "design" }, me)).toBe("design");
  });
});
