import { describe, expect, it, vi } from "vitest";
import { ApiClient } from "../src/api/client";
import type { AuthResponse } from "../src/api/types";
import { AuthSession, SESSION_KEY } from "../src/auth/session";
import { describeTyping, pruneTyping, TypingNotifier, typingStarted, typingStopped, type Timers } from "../src/realtime/typing";

class MemoryStorage {
  data = new Map<string, string>();
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.data.set(key, value);
  }
  removeItem(key: string) {
    this.data.delete(key);
  }
}

function auth(n: number): AuthResponse {
  return {
    user: { id: "usr_1", userName: "alice", displayName: "Alice", isAdmin: false, createdAt: "2026-01-01T00:00:00Z" },
    accessToken: `access-${n}`,
    accessTokenExpiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    refreshToken: `refresh-${n}`,
  };
}

function json(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

describe("silent token refresh", () => {
  it("refreshes once for concurrent 401s and retries each call with the new token", async () => {
    let refreshes = 0;
    const seen: string[] = [];
    const fetchImpl = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
      const path = String(url);
      if (path.endsWith("/api/auth/refresh")) {
        refreshes++;
        await new Promise((r) => setTimeout(r, 5));
        return json(200, auth(2));
      }
      const token = (init?.headers as Record<string, string>).authorization;
      seen.push(token);
      return token === "Bearer access-2" ? json(200, { users: [] }) : json(401, { error: { code: "UNAUTHENTICATED", message: "expired" } });
    });
    const api = new ApiClient("", fetchImpl as typeof fetch);
    const session = new AuthSession(api, { storage: new MemoryStorage(), withLock: (task) => task() });
    session.establish(auth(1));

    const results = await Promise.all([api.searchUsers("a"), api.searchUsers("b"), api.searchUsers("c")]);

    expect(results).toEqual([[], [], []]);
    expect(refreshes).toBe(1);
    expect(session.accessToken()).toBe("access-2");
    expect(seen.filter((t) => t === "Bearer access-2")).toHaveLength(3);
    session.dispose();
  });

  it("adopts the pair another tab stored instead of spending its own (spent tokens revoke the session)", async () => {
    const storage = new MemoryStorage();
    const fetchImpl = vi.fn(async () => json(200, auth(3)));
    const api = new ApiClient("", fetchImpl as typeof fetch);
    const session = new AuthSession(api, { storage, withLock: (task) => task() });
    session.establish(auth(1));

    // The other tab refreshed meanwhile.
    storage.setItem(SESSION_KEY, JSON.stringify({ ...auth(2), accessTokenExpiresAt: auth(2).accessTokenExpiresAt }));
    expect(await session.refresh()).toBe(true);

    expect(fetchImpl).not.toHaveBeenCalled();
    expect(session.accessToken()).toBe("access-2");
    session.dispose();
  });

  it("refreshes before a request when the access token is about to expire, without a 401", async () => {
    const calls: string[] = [];
    const fetchImpl = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
      const path = String(url);
      calls.push(path.endsWith("/refresh") ? "refresh" : (init?.headers as Record<string, string>).authorization);
      return path.endsWith("/refresh") ? json(200, auth(2)) : json(200, { users: [] });
    });
    const api = new ApiClient("", fetchImpl as typeof fetch);
    const session = new AuthSession(api, { storage: new MemoryStorage(), withLock: (task) => task() });
    session.establish({ ...auth(1), accessTokenExpiresAt: new Date(Date.now() + 10_000).toISOString() });

    await api.searchUsers("a");

    expect(calls).toEqual(["refresh", "Bearer access-2"]);
    session.dispose();
  });

  it("signs out when the refresh token is refused", async () => {
    const storage = new MemoryStorage();
    const api = new ApiClient("", (async () => json(401, { error: { code: "UNAUTHENTICATED", message: "revoked" } })) as typeof fetch);
    const session = new AuthSession(api, { storage, withLock: (task) => task() });
    session.establish(auth(1));
    const changes: Array<unknown> = [];
    session.changed.on((s) => changes.push(s));

    expect(await session.refresh()).toBe(false);
    expect(session.session).toBeNull();
    expect(storage.getItem(SESSION_KEY)).toBeNull();
    expect(changes.at(-1)).toBeNull();
  });
});

function fakeTimers() {
  let now = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  const api: Timers & { advance(ms: number): void } = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = next++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (id) => timers.delete(id as number),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
  };
  return api;
}

describe("typing indicator", () => {
  it("sends one start per burst of keystrokes, refreshes it while typing goes on, and stops when idle", () => {
    const timers = fakeTimers();
    const sent: string[] = [];
    const notifier = new TypingNotifier((event) => sent.push(event), { refreshMs: 3_000, idleMs: 2_500 }, timers);

    for (let i = 0; i < 10; i++) {
      notifier.input("room");
      timers.advance(200);
    }
    expect(sent).toEqual(["typing:start"]);

    for (let i = 0; i < 10; i++) {
      notifier.input("room");
      timers.advance(200);
    }
    expect(sent).toEqual(["typing:start", "typing:start"]); // refreshed after 3 s of typing

    timers.advance(2_500);
    expect(sent).toEqual(["typing:start", "typing:start", "typing:stop"]);
    expect(notifier.isTyping("room")).toBe(false);
  });

  it("stops at once on send, and only when a start was sent", () => {
    const timers = fakeTimers();
    const sent: string[] = [];
    const notifier = new TypingNotifier((event, roomId) => sent.push(`${event} ${roomId}`), {}, timers);

    notifier.stop("a");
    notifier.input("a");
    notifier.stop("a");
    timers.advance(10_000);

    expect(sent).toEqual(["typing:start a", "typing:stop a"]);
  });

  it("shows who is typing, and forgets a state not refreshed", () => {
    let map = typingStarted({}, "room", "u1", "Alice", 0, 6_000);
    map = typingStarted(map, "room", "u2", "Bob", 1_000, 6_000);
    expect(describeTyping(map.room.map((t) => t.userName))).toBe("Alice and Bob are typing…");

    map = typingStarted(map, "room", "u1", "Alice", 5_000, 6_000); // refreshed
    map = pruneTyping(map, 7_500);
    expect(map.room.map((t) => t.userName)).toEqual(["Alice"]);

    map = typingStopped(map, "room", "u1");
    expect(describeTyping(map.room.map((t) => t.userName))).toBe("");
    expect(describeTyping(["A", "B", "C", "D"])).toBe("Several people are typing…");
  });
});
