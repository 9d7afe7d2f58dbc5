import { describe, expect, it, vi } from "vitest";
import type { Message } from "../src/api/types";
import { Outbox, type OutgoingMessage, type SendOutcome } from "../src/realtime/outbox";

function outgoing(n: number, roomId = "room_1"): OutgoingMessage {
  return { clientMessageId: `c${n}`, roomId, content: `message ${n}`, replyToId: null, createdAt: new Date(1_700_000_000_000 + n).toISOString() };
}

function stored(m: OutgoingMessage): Message {
  return {
    id: `msg_${m.clientMessageId}`,
    roomId: m.roomId,
    userId: "usr_me",
    userName: "me",
    content: m.content,
    createdAt: m.createdAt,
    editedAt: null,
    replyToId: m.replyToId,
    reactions: [],
    clientMessageId: m.clientMessageId,
  };
}

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

/** A fake server: stores by clientMessageId (idempotent, like Synapse), can be "down". */
function fakeServer() {
  const storedIds = new Map<string, Message>();
  const sends: string[] = [];
  let connected = true;
  let dropNext = 0;
  return {
    sends,
    storedIds,
    get connected() {
      return connected;
    },
    set connected(value: boolean) {
      connected = value;
    },
    /** The next n sends are stored but their ack is lost (the connection drops before it). */
    loseAcks(n: number) {
      dropNext = n;
    },
    send: async (m: OutgoingMessage): Promise<SendOutcome> => {
      sends.push(m.clientMessageId);
      if (!connected) {
        return { ok: false, retryable: true, error: { code: "DISCONNECTED", message: "Not connected." } };
      }
      const duplicate = storedIds.has(m.clientMessageId);
      if (!duplicate) storedIds.set(m.clientMessageId, stored(m));
      if (dropNext > 0) {
        dropNext--;
        connected = false;
        return { ok: false, retryable: true, error: { code: "DISCONNECTED", message: "Dropped." } };
      }
      return { ok: true, message: storedIds.get(m.clientMessageId)!, duplicate };
    },
  };
}

describe("Outbox", () => {
  it("sends at once when connected, in order", async () => {
    const server = fakeServer();
    const sent: string[] = [];
    const outbox = new Outbox({ send: server.send, isConnected: () => server.connected, onSent: (m) => sent.push(m.clientMessageId) });

    await outbox.enqueue(outgoing(1));
    await outbox.enqueue(outgoing(2));

    expect(sent).toEqual(["c1", "c2"]);
    expect(outbox.pending).toHaveLength(0);
  });

  it("queues while offline and sends everything, in order, on the flush after reconnecting", async () => {
    const server = fakeServer();
    server.connected = false;
    const sent: string[] = [];
    const outbox = new Outbox({ send: server.send, isConnected: () => server.connected, onSent: (m) => sent.push(m.clientMessageId) });

    await outbox.enqueue(outgoing(1));
    await outbox.enqueue(outgoing(2));
    await outbox.enqueue(outgoing(3));
    expect(server.sends).toEqual([]); // nothing is attempted while offline
    expect(outbox.pending.map((m) => m.clientMessageId)).toEqual(["c1", "c2", "c3"]);

    server.connected = true;
    await outbox.flush();

    expect(sent).toEqual(["c1", "c2", "c3"]);
    expect([...server.storedIds.keys()]).toEqual(["c1", "c2", "c3"]);
    expect(outbox.pending).toHaveLength(0);
  });

  it("keeps a message whose ack was lost and resends it with the same clientMessageId: stored once", async () => {
    const server = fakeServer();
    const sent: Array<{ id: string; message: Message }> = [];
    const outbox = new Outbox({ send: server.send, isConnected: () => server.connected, onSent: (m, message) => sent.push({ id: m.clientMessageId, message }) });
    server.loseAcks(1);

    await outbox.enqueue(outgoing(1));
    await outbox.enqueue(outgoing(2)); // queued behind it: the connection is down

    expect(outbox.pending.map((m) => m.clientMessageId)).toEqual(["c1", "c2"]);
    expect(server.storedIds.size).toBe(1); // the server did store c1

    server.connected = true;
    await outbox.flush();

    expect(server.sends).toEqual(["c1", "c1", "c2"]);
    expect(server.storedIds.size).toBe(2);
    expect(sent.map((s) => s.id)).toEqual(["c1", "c2"]);
    expect(sent[0].message.id).toBe("msg_c1");
  });

  it("marks a refused message failed and goes on with the next", async () => {
    const failed: string[] = [];
    const sent: string[] = [];
    const outbox = new Outbox({
      send: async (m) =>
        m.clientMessageId === "c1"
          ? { ok: false, retryable: false, error: { code: "FORBIDDEN", message: "Not a member." } }
          : { ok: true, message: stored(m), duplicate: false },
      isConnected: () => true,
      onFailed: (m) => failed.push(m.clientMessageId),
      onSent: (m) => sent.push(m.clientMessageId),
    });

    await outbox.enqueue(outgoing(1));
    await outbox.enqueue(outgoing(2));

    expect(failed).toEqual(["c1"]);
    expect(sent).toEqual(["c2"]);
    expect(outbox.pending).toHaveLength(0);
  });

  it("waits and retries when rate limited, then gives up and fails the message", async () => {
    const delays: number[] = [];
    let attempts = 0;
    const failed: string[] = [];
    const outbox = new Outbox({
      send: async () => {
        attempts++;
        return { ok: false, retryable: true, error: { code: "RATE_LIMITED", message: "Slow down." } };
      },
      isConnected: () => true,
      delay: async (ms) => {
        delays.push(ms);
      },
      maxRateLimitRetries: 3,
      onFailed: (m) => failed.push(m.clientMessageId),
    });

    await outbox.enqueue(outgoing(1));

    expect(attempts).toBe(4);
    expect(delays).toEqual([2000, 4000, 6000]);
    expect(failed).toEqual(["c1"]);
  });

  it("runs one flush at a time: concurrent flushes do not send a message twice", async () => {
    const server = fakeServer();
    server.connected = false;
    const outbox = new Outbox({ send: server.send, isConnected: () => server.connected });
    await outbox.enqueue(outgoing(1));
    await outbox.enqueue(outgoing(2));

    server.connected = true;
    await Promise.all([outbox.flush(), outbox.flush(), outbox.flush()]);

    expect(server.sends).toEqual(["c1", "c2"]);
  });

  it("picks up a message enqueued during a flush", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sends: string[] = [];
    const outbox = new Outbox({
      send: async (m) => {
        sends.push(m.clientMessageId);
        if (m.clientMessageId === "c1") await gate;
        return { ok: true, message: stored(m), duplicate: false };
      },
      isConnected: () => true,
    });

    const first = outbox.enqueue(outgoing(1));
    const second = outbox.enqueue(outgoing(2));
    release();
    await Promise.all([first, second]);

    expect(sends).toEqual(["c1", "c2"]);
    expect(outbox.pending).toHaveLength(0);
  });

  it("survives a reload through storage", async () => {
    const storage = new MemoryStorage();
    const offline = new Outbox({ send: vi.fn(), isConnected: () => false, storage, storageKey: "outbox" });
    await offline.enqueue(outgoing(1));
    await offline.enqueue(outgoing(2));

    const server = fakeServer();
    const reloaded = new Outbox({ send: server.send, isConnected: () => true, storage, storageKey: "outbox" });
    expect(reloaded.pending.map((m) => m.clientMessageId)).toEqual(["c1", "c2"]);
    await reloaded.flush();

    expect(server.sends).toEqual(["c1", "c2"]);
    expect(storage.getItem("outbox")).toBeNull();
  });

  it("does not queue the same clientMessageId twice, and discards on request", async () => {
    const outbox = new Outbox({ send: vi.fn(), isConnected: () => false });
    await outbox.enqueue(outgoing(1));
    await outbox.enqueue(outgoing(1));
    await outbox.enqueue(outgoing(2));
    outbox.discard("c1");

    expect(outbox.pending.map((m) => m.clientMessageId)).toEqual(["c2"]);
  });
});
