import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Socket } from "socket.io-client";
import { ApiError } from "../src/api/client";
import type { Message, MessagePage } from "../src/api/types";
import { describeConnection, initialConnection, reduceConnection, type ConnectionState } from "../src/realtime/connection";
import { RealtimeConnection } from "../src/realtime/socket";
import { catchUp } from "../src/realtime/sync";
import { mergeMessages, optimisticMessage } from "../src/realtime/timeline";

describe("connection status", () => {
  const run = (...events: Parameters<typeof reduceConnection>[1][]) => events.reduce<ConnectionState>(reduceConnection, initialConnection());

  it("starts connecting, then connected", () => {
    expect(initialConnection().status).toBe("reconnecting");
    expect(describeConnection(initialConnection())).toBe("Connecting…");
    expect(run({ type: "connect" }).status).toBe("connected");
  });

  it("counts reconnection attempts after a drop, and resets them when connected", () => {
    const dropped = run({ type: "connect" }, { type: "disconnect", reason: "transport close" }, { type: "reconnect_attempt", attempt: 1 }, { type: "reconnect_attempt", attempt: 2 });
    expect(dropped.status).toBe("reconnecting");
    expect(describeConnection(dropped)).toBe("Reconnecting… (attempt 2)");

    const back = reduceConnection(dropped, { type: "connect" });
    expect(back.status).toBe("connected");
    expect(back.attempt).toBe(0);
  });

  it("is offline without a network, and reconnecting again when it returns", () => {
    const offline = run({ type: "connect" }, { type: "network", online: false }, { type: "disconnect", reason: "transport close" }, { type: "reconnect_attempt", attempt: 3 });
    expect(offline.status).toBe("offline");
    expect(describeConnection(offline)).toBe("Offline — no network");

    expect(reduceConnection(offline, { type: "network", online: true }).status).toBe("reconnecting");
  });

  it("is offline when the client stopped trying (refused session, sign-out)", () => {
    expect(run({ type: "connect" }, { type: "stopped" }).status).toBe("offline");
    expect(run({ type: "connect" }, { type: "disconnect", reason: "io client disconnect" }).status).toBe("offline");
    expect(run({ type: "connect" }, { type: "disconnect", reason: "ping timeout" }).status).toBe("reconnecting");
  });
});

/** Just enough of a socket.io-client Socket for RealtimeConnection. */
class FakeSocket {
  connected = false;
  active = true;
  connects = 0;
  handlers = new Map<string, Array<(...args: unknown[]) => void>>();
  managerHandlers = new Map<string, Array<(...args: unknown[]) => void>>();
  emitted: Array<{ event: string; payload: unknown; ack?: (answer: unknown) => void }> = [];
  options: Record<string, unknown> = {};
  io = {
    on: (event: string, fn: (...args: unknown[]) => void) => {
      this.managerHandlers.set(event, [...(this.managerHandlers.get(event) ?? []), fn]);
    },
    removeAllListeners: () => this.managerHandlers.clear(),
  };
  get volatile() {
    return this;
  }
  on(event: string, fn: (...args: unknown[]) => void) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn]);
    return this;
  }
  off(event: string, fn: (...args: unknown[]) => void) {
    this.handlers.set(event, (this.handlers.get(event) ?? []).filter((h) => h !== fn));
    return this;
  }
  removeAllListeners() {
    this.handlers.clear();
    return this;
  }
  emit(event: string, payload: unknown, ack?: (answer: unknown) => void) {
    this.emitted.push({ event, payload, ack });
    return this;
  }
  connect() {
    this.connects++;
    return this;
  }
  disconnect() {
    this.connected = false;
    return this;
  }
  // Test helpers: what the server / network does.
  fire(event: string, ...args: unknown[]) {
    for (const h of this.handlers.get(event) ?? []) h(...args);
  }
  fireManager(event: string, ...args: unknown[]) {
    for (const h of this.managerHandlers.get(event) ?? []) h(...args);
  }
  serverConnects() {
    this.connected = true;
    this.fire("connect");
  }
  drops(reason = "transport close") {
    this.connected = false;
    this.fire("disconnect", reason);
  }
}

function connectionWith(socket: FakeSocket, refresh: () => Promise<boolean> = async () => true) {
  let token = "token-1";
  const connection = new RealtimeConnection({
    token: () => token,
    refreshToken: async () => {
      const ok = await refresh();
      if (ok) token = "token-2";
      return ok;
    },
    ackTimeoutMs: 1_000,
    createSocket: (_url, options) => {
      socket.options = options as Record<string, unknown>;
      return socket as unknown as Socket;
    },
  });
  return { connection, token: () => token };
}

describe("RealtimeConnection", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("reads the current token at every (re)connection", async () => {
    const socket = new FakeSocket();
    const { connection } = connectionWith(socket);
    connection.connect();
    const auth = socket.options.auth as (cb: (data: object) => void) => void;
    const sent = await new Promise<object>((resolve) => auth(resolve));
    expect(sent).toEqual({ token: "token-1" });
  });

  it("reports each connection, telling reconnections apart, and the attempts in between", () => {
    const socket = new FakeSocket();
    const { connection } = connectionWith(socket);
    const states: string[] = [];
    const connections: boolean[] = [];
    connection.state.on((s) => states.push(describeConnection(s)));
    connection.connected.on(({ reconnect }) => connections.push(reconnect));

    connection.connect();
    socket.serverConnects();
    socket.drops();
    socket.fireManager("reconnect_attempt", 1);
    socket.fireManager("reconnect_attempt", 2);
    socket.serverConnects();

    expect(connections).toEqual([false, true]);
    expect(states).toContain("Reconnecting… (attempt 2)");
    expect(states.at(-1)).toBe("Connected");
  });

  it("answers a request with the ack", async () => {
    const socket = new FakeSocket();
    const { connection } = connectionWith(socket);
    socket.serverConnects();

    const reply = connection.request<{ roomId: string }>("room:join", { roomId: "r" });
    socket.emitted[0].ack!({ success: true, roomId: "r" });

    expect(await reply).toEqual({ success: true, roomId: "r" });
  });

  it("settles pending requests as unanswered when the connection drops, and refuses while disconnected", async () => {
    const socket = new FakeSocket();
    const { connection } = connectionWith(socket);
    socket.serverConnects();

    const pending = connection.request("message:send", { content: "x" });
    socket.drops();
    const result = await pending;

    expect(result).toMatchObject({ success: false, unanswered: true, error: { code: "DISCONNECTED" } });
    expect(await connection.request("message:send", {})).toMatchObject({ success: false, unanswered: true });
    expect(socket.emitted).toHaveLength(1); // nothing emitted (and buffered by socket.io) while down
  });

  it("times out a request the server never answers", async () => {
    const socket = new FakeSocket();
    const { connection } = connectionWith(socket);
    socket.serverConnects();

    const pending = connection.request("message:send", {});
    vi.advanceTimersByTime(1_001);

    expect(await pending).toMatchObject({ success: false, unanswered: true, error: { code: "TIMEOUT" } });
  });

  it("refreshes an expired token when the server refuses the connection, then connects again", async () => {
    const socket = new FakeSocket();
    const refresh = vi.fn(async () => true);
    const { connection, token } = connectionWith(socket, refresh);
    connection.connect();
    expect(socket.connects).toBe(1);

    socket.active = false; // refused by the middleware: socket.io will not retry by itself
    socket.fire("connect_error", Object.assign(new Error("Authentication error"), { data: { code: "UNAUTHENTICATED", message: "expired" } }));
    await vi.runAllTimersAsync();

    expect(refresh).toHaveBeenCalledTimes(1);
    expect(token()).toBe("token-2");
    expect(socket.connects).toBe(2);
  });

  it("stops (offline) when the session cannot be refreshed", async () => {
    const socket = new FakeSocket();
    const { connection } = connectionWith(socket, async () => false);
    connection.connect();
    socket.active = false;
    socket.fire("connect_error", Object.assign(new Error("Authentication error"), { data: { code: "UNAUTHENTICATED" } }));
    await vi.runAllTimersAsync();

    expect(connection.connection.status).toBe("offline");
    expect(socket.connects).toBe(1);
  });

  it("connects again after the server closed the socket (socket.io does not retry that)", async () => {
    const socket = new FakeSocket();
    const { connection } = connectionWith(socket);
    connection.connect();
    socket.serverConnects();
    socket.drops("io server disconnect");
    await vi.advanceTimersByTimeAsync(1_000);

    expect(socket.connects).toBe(2);
  });
});

describe("catching up after a reconnect (?after=)", () => {
  let time = Date.parse("2026-05-01T09:00:00Z");
  const message = (id: string, content = id): Message => {
    time += 1000;
    return { id, roomId: "room_1", userId: "usr_bob", userName: "bob", content, createdAt: new Date(time).toISOString(), editedAt: null, replyToId: null, reactions: [], clientMessageId: null };
  };

  /** A room's history on a fake server, answering like GET /api/rooms/{id}/messages. */
  function history(all: Message[], options: { deleted?: Set<string> } = {}) {
    const calls: Array<{ before?: string; after?: string; limit?: number }> = [];
    return {
      calls,
      async messages(_roomId: string, page: { before?: string; after?: string; limit?: number }): Promise<MessagePage> {
        calls.push(page);
        const limit = page.limit ?? 50;
        const live = all.filter((m) => !options.deleted?.has(m.id));
        if (page.after) {
          const index = live.findIndex((m) => m.id === page.after);
          if (index < 0) throw new ApiError(404, "NOT_FOUND", "No such message in this room.");
          const after = live.slice(index + 1);
          return { messages: after.slice(0, limit), hasMore: after.length > limit };
        }
        const newestFirst = [...live].reverse();
        return { messages: newestFirst.slice(0, limit), hasMore: newestFirst.length > limit };
      },
    };
  }

  it("fetches what came after the newest known message, page by page, without duplicates", async () => {
    const known = [message("m1"), message("m2")];
    const missed = Array.from({ length: 5 }, (_, i) => message(`x${i}`));
    const server = history([...known, ...missed]);
    const timeline = mergeMessages([], known).messages;

    const result = await catchUp(server, "room_1", timeline, { pageSize: 2 });

    expect(result.messages.map((m) => m.id)).toEqual(["m1", "m2", "x0", "x1", "x2", "x3", "x4"]);
    expect(result.added.map((m) => m.id)).toEqual(["x0", "x1", "x2", "x3", "x4"]);
    expect(server.calls.filter((c) => c.after).map((c) => c.after)).toEqual(["m2", "x1", "x3"]);
  });

  it("merges with a live message that arrived meanwhile, once", async () => {
    const known = [message("m1")];
    const live = message("m2");
    const server = history([...known, live]);
    const timeline = mergeMessages([], [...known, live]).messages; // m2 came by message:new

    const result = await catchUp(server, "room_1", timeline);

    expect(result.messages.map((m) => m.id)).toEqual(["m1", "m2"]);
    expect(result.added).toEqual([]);
  });

  it("keeps my queued message pending and replaces it when the stored copy is among the missed", async () => {
    const known = [message("m1")];
    const queued = optimisticMessage({ clientMessageId: "cm-9", roomId: "room_1", userId: "usr_me", userName: "me", content: "offline", createdAt: new Date(time + 500).toISOString() });
    const storedCopy = { ...message("m9", "offline"), userId: "usr_me", userName: "me", clientMessageId: "cm-9" };
    const server = history([...known, storedCopy]);

    const result = await catchUp(server, "room_1", mergeMessages([], [...known, queued]).messages);

    expect(result.messages.map((m) => m.id)).toEqual(["m1", "m9"]);
    expect(result.added).toEqual([]);
  });

  it("falls back to the newest page when the cursor message was deleted meanwhile", async () => {
    const known = [message("m1"), message("m2")];
    const later = message("m3");
    const server = history([...known, later], { deleted: new Set(["m2"]) });

    const result = await catchUp(server, "room_1", mergeMessages([], known).messages);

    expect(result.messages.map((m) => m.id)).toEqual(["m1", "m3"]);
  });
});
