// One chat user of the reliability runs (soak and chaos): an official socket.io-client that joins
// its rooms, sends messages at least once (a clientMessageId per message, resent with the same id
// until the server acknowledges it) and keeps a complete view of its rooms by merging what arrives
// live with what the history API returns after every reconnection. The chaos it inflicts on itself
// (transport drops, full disconnects) and the checks made on its view live here too.
import { io } from "socket.io-client";
import { randomUUID } from "node:crypto";

// How far back the catch-up starts. The newest message known is not a safe cursor: broadcasts of
// concurrent sends may arrive in another order than the history's, and with PostgreSQL a message
// can commit after one with a later position (its transaction took longer), so a read may show
// the later one first. Start from a message known this many messages earlier and created at least
// this long before the newest one known, and dedupe by id.
const CURSOR_BACK_MESSAGES = 64;
const CURSOR_BACK_MS = 10_000;
const ARRIVALS_KEPT = 512;

export class ChatClient {
  /**
   * @param {object} o
   * @param {{id: string, userName: string}} o.user
   * @param {string} o.token access token
   * @param {string[]} o.rooms room ids to join
   * @param {string[]} o.urls server base urls; the client starts on urls[o.urlIndex] and moves to the next one when it cannot reconnect
   * @param {number} o.urlIndex
   * @param {object} o.config run settings (see worker.mjs)
   * @param {() => number} o.random
   */
  constructor({ user, token, rooms, urls, urlIndex, config, random }) {
    this.user = user;
    this.token = token;
    this.rooms = rooms;
    this.urls = urls;
    this.urlIndex = urlIndex;
    this.config = config;
    this.random = random;

    this.phase = "idle"; // idle → load → drain → done
    this.ready = false; // connected, rooms joined and caught up
    this.firstReady = null;
    this.lastError = null;
    this.connectErrors = 0; // failed connection attempts since the last disconnect
    this.everConnected = false;
    this.disconnectedSince = null;
    this.offlineUntil = 0; // a deliberate full disconnect: stay offline until then

    /** @type {Map<string, Set<string>>} room → ids seen (live or caught up) */
    this.seen = new Map(rooms.map((r) => [r, new Set()]));
    /** @type {Map<string, {id: string, at: number}[]>} room → the latest messages known (live or read), in the order learnt */
    this.arrivals = new Map(rooms.map((r) => [r, []]));
    /** @type {Set<string>} rooms whose arrivals were trimmed */
    this.truncated = new Set();
    /** @type {Set<string>} ids delivered live on the current connection */
    this.liveThisConnection = new Set();
    /** @type {Map<string, {roomId: string, content: string, inflight: boolean, attempts: number, createdAt: number}>} */
    this.pending = new Map();
    /** @type {Map<string, {id: string, roomId: string}>} clientMessageId → the server's answer */
    this.acked = new Map();
    this.sequence = 0;
    this.timers = new Set();

    this.stats = {
      sent: 0, acked: 0, duplicateAcks: 0, resends: 0, ackTimeouts: 0, ackErrors: 0, rateLimited: 0, serverErrors: 0,
      transportDrops: 0, dropsAfterSend: 0, fullDisconnects: 0, connects: 0, recovered: 0, urlSwitches: 0,
      caughtUp: 0, catchUpRequests: 0, liveDuplicates: 0, joinFailures: 0,
    };
    /** @type {string[]} */
    this.violations = [];

    this.socket = this.createSocket();
  }

  get url() {
    return this.urls[this.urlIndex % this.urls.length];
  }

  createSocket() {
    const transports = this.random() < this.config.pollingShare ? ["polling", "websocket"] : ["websocket"];
    const socket = io(this.url, {
      forceNew: true,
      autoConnect: false,
      transports,
      auth: { token: this.token },
      // socket.io-client's own defaults for the reconnection delays (1 s doubling to 5 s, ±50%).
      timeout: 20_000,
    });
    socket.on("connect", () => this.onConnect(socket));
    socket.on("disconnect", () => this.onDisconnect(socket));
    socket.on("connect_error", (error) => {
      this.lastError = error?.message;
      this.connectErrors++;
      if (socket === this.socket && this.disconnectedSince === null) {
        this.disconnectedSince = Date.now();
      }
    });
    socket.on("message:new", (message) => this.onLiveMessage(socket, message));
    return socket;
  }

  /** Connects; resolves when the rooms are joined (or rejects after the timeout). */
  start() {
    const ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.user.userName}: not ready within ${this.config.connectTimeoutMs} ms (connected: ${this.socket.connected}, last error: ${this.lastError}, rejoin failures: ${this.stats.joinFailures})`)), this.config.connectTimeoutMs);
      this.onFirstReady = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.socket.connect();
    this.every(1_000, () => this.watchdog());
    return ready;
  }

  beginLoad() {
    this.phase = "load";
    this.scheduleSend();
    if (this.config.chaosIntervalMs > 0) {
      this.scheduleChaos();
    }
  }

  /** Stops sending new messages and inflicting chaos; resolves when everything sent is acknowledged and the client is connected. */
  async drain(timeoutMs) {
    this.phase = "drain";
    this.offlineUntil = 0;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.sending) {
      if (!this.socket.connected && !this.socket.active) {
        this.socket.connect();
      }

      if (this.ready && this.sending) {
        for (const [clientMessageId, p] of this.pending) {
          if (!p.inflight) {
            this.emitPending(clientMessageId);
          }
        }
      }

      if (this.ready && this.pending.size === 0) {
        return true;
      }

      await sleep(250);
    }

    this.violations.push(`${this.user.userName}: not drained within ${timeoutMs} ms (ready=${this.ready}, pending=${this.pending.size})`);
    return false;
  }

  /**
   * Stops every send and resend (before the final history is read: nothing may be stored after
   * it); resolves when no send is in flight any more, answered or timed out.
   */
  async freeze() {
    this.phase = "frozen";
    this.readyAtFreeze = this.ready;
    const deadline = Date.now() + this.config.ackTimeoutMs + 5_000;
    while (Date.now() < deadline && [...this.pending.values()].some((p) => p.inflight)) {
      await sleep(100);
    }
  }

  get sending() {
    return this.phase === "load" || this.phase === "drain";
  }

  stop() {
    this.phase = "done";
    for (const t of this.timers) {
      clearTimeout(t);
      clearInterval(t);
    }

    this.socket.removeAllListeners();
    this.socket.disconnect();
  }

  // --- connection -----------------------------------------------------------------------------

  async onConnect(socket) {
    if (socket !== this.socket) {
      return;
    }

    this.stats.connects++;
    if (socket.recovered) {
      this.stats.recovered++;
    }

    this.disconnectedSince = null;
    // Cursors from what arrived before this connection: what arrives live from now on must not move them.
    const cursors = new Map(this.rooms.map((roomId) => [roomId, this.cursorFor(roomId)]));
    this.liveThisConnection = new Set();
    const first = !this.everConnected;
    this.everConnected = true;
    try {
      // Join again after every reconnection (a new socket is in no room), then catch up: joined
      // first, so nothing falls between the history read and the live stream.
      for (const roomId of this.rooms) {
        const reply = await socket.timeout(this.config.ackTimeoutMs).emitWithAck("room:join", { roomId });
        if (!reply?.success) {
          throw new Error(`room:join ${roomId}: ${JSON.stringify(reply?.error)}`);
        }
      }

      if (!first) {
        for (const roomId of this.rooms) {
          await this.catchUp(roomId, cursors.get(roomId));
        }
      }
    } catch (error) {
      if (socket === this.socket && socket.connected) {
        // Could not join or read the history (a loaded server, or the connection went away
        // meanwhile): start over with a new connection rather than run with a partial view.
        this.stats.joinFailures++;
        socket.io.engine?.close();
      }

      return;
    }

    if (socket !== this.socket || !socket.connected) {
      return;
    }

    this.ready = true;
    if (!this.firstReady) {
      this.firstReady = Date.now();
      this.onFirstReady?.();
    }

    // At least once: whatever was not acknowledged goes again, with the same clientMessageId.
    for (const [clientMessageId, p] of this.pending) {
      if (!p.inflight && this.sending) {
        this.stats.resends++;
        this.emitPending(clientMessageId);
      }
    }
  }

  onDisconnect(socket) {
    if (socket !== this.socket) {
      return;
    }

    this.ready = false;
    this.disconnectedSince = Date.now();
    this.connectErrors = 0;
  }

  /** Every second: reconnect after a deliberate offline spell; move to the next server when this one does not come back. */
  watchdog() {
    if (this.phase === "done" || this.socket.connected) {
      return;
    }

    const now = Date.now();
    if (!this.socket.active && now >= this.offlineUntil) {
      this.socket.connect();
      return;
    }

    const tryingSince = this.disconnectedSince === null ? null : Math.max(this.disconnectedSince, this.offlineUntil);
    // A node that is down refuses at once: move after two failed attempts (not merely a slow
    // reconnection, whose back-off alone can exceed the delay).
    if (this.urls.length > 1 && tryingSince !== null && now - tryingSince > this.config.switchAfterMs && this.connectErrors >= 2) {
      this.stats.urlSwitches++;
      const old = this.socket;
      old.removeAllListeners();
      old.disconnect();
      this.urlIndex++;
      this.disconnectedSince = now;
      this.connectErrors = 0;
      this.socket = this.createSocket();
      this.socket.connect();
    }
  }

  // --- receiving ------------------------------------------------------------------------------

  onLiveMessage(socket, message) {
    if (socket !== this.socket) {
      return;
    }

    const seen = this.seen.get(message.roomId);
    if (!seen) {
      this.violations.push(`${this.user.userName}: message:new for ${message.roomId}, a room it never joined`);
      return;
    }

    if (this.liveThisConnection.has(message.id)) {
      // The same broadcast twice on one connection: the server sent it twice.
      this.stats.liveDuplicates++;
      return;
    }

    this.liveThisConnection.add(message.id);
    seen.add(message.id);
    this.remember(message);
  }

  /** Where to read the history from after a reconnection; null: the whole room. */
  cursorFor(roomId) {
    const known = this.arrivals.get(roomId);
    if (known.length === 0) {
      return null;
    }

    const newest = Math.max(...known.slice(-CURSOR_BACK_MESSAGES).map((k) => k.at));
    let i = known.length - 1 - CURSOR_BACK_MESSAGES;
    while (i >= 0 && newest - known[i].at < CURSOR_BACK_MS) {
      i--;
    }

    if (i >= 0) {
      return known[i].id;
    }

    // Everything kept is recent: the oldest kept is still far enough back when some were dropped.
    return this.truncated.has(roomId) ? known[0].id : null;
  }

  /** Remembers a message as known (live or read), with the server's creation time. */
  remember(message) {
    const known = this.arrivals.get(message.roomId);
    known.push({ id: message.id, at: Date.parse(message.createdAt) });
    if (known.length > ARRIVALS_KEPT) {
      known.splice(0, known.length - ARRIVALS_KEPT);
      this.truncated.add(message.roomId);
    }
  }

  async catchUp(roomId, cursor) {
    const seen = this.seen.get(roomId);
    const add = (messages) => {
      for (const m of messages) {
        if (!seen.has(m.id)) {
          seen.add(m.id);
          this.stats.caughtUp++;
          this.remember(m);
        }
      }
    };

    if (cursor) {
      let after = cursor;
      for (let page = 0; page < 1_000; page++) {
        const result = await this.history(roomId, `after=${after}&limit=100`);
        add(result.messages);
        if (!result.hasMore || result.messages.length === 0) {
          return;
        }

        after = result.messages[result.messages.length - 1].id;
      }

      throw new Error(`catch-up of ${roomId} did not end`);
    }

    // Nothing known to start from: read the room from its newest page back (oldest first, so that
    // what is remembered keeps the history's order).
    const pages = [];
    let before = null;
    for (let page = 0; page < 1_000; page++) {
      const result = await this.history(roomId, `limit=100${before ? `&before=${before}` : ""}`);
      pages.push(result.messages);
      if (!result.hasMore || result.messages.length === 0) {
        break;
      }

      before = result.messages[result.messages.length - 1].id;
    }

    add(pages.flat().reverse());
  }

  async history(roomId, query) {
    this.stats.catchUpRequests++;
    const response = await fetch(`${this.url}/api/rooms/${roomId}/messages?${query}`, {
      headers: { authorization: `Bearer ${this.token}` },
      signal: AbortSignal.timeout(this.config.ackTimeoutMs),
    });
    if (!response.ok) {
      throw new Error(`history ${roomId}: HTTP ${response.status}`);
    }

    return response.json();
  }

  // --- sending --------------------------------------------------------------------------------

  scheduleSend() {
    this.after(exponential(this.random, this.config.sendIntervalMs), () => {
      if (this.phase !== "load") {
        return;
      }

      this.send();
      this.scheduleSend();
    });
  }

  send() {
    const clientMessageId = randomUUID();
    const roomId = this.rooms[Math.floor(this.random() * this.rooms.length)];
    this.sequence++;
    this.pending.set(clientMessageId, {
      roomId,
      content: `${this.user.userName} #${this.sequence}`,
      inflight: false,
      attempts: 0,
      createdAt: Date.now(),
    });
    this.stats.sent++;
    if (this.ready) {
      this.emitPending(clientMessageId);
    }

    return clientMessageId;
  }

  emitPending(clientMessageId) {
    const p = this.pending.get(clientMessageId);
    if (!p) {
      return;
    }

    const socket = this.socket;
    p.inflight = true;
    p.attempts++;
    socket.timeout(this.config.ackTimeoutMs)
      .emitWithAck("message:send", { roomId: p.roomId, content: p.content, clientMessageId })
      .then((reply) => {
        p.inflight = false;
        if (reply?.success) {
          this.onAcked(clientMessageId, p, reply);
          return;
        }

        if (reply?.error?.code === "RATE_LIMITED") {
          this.stats.rateLimited++;
          this.after(2_000, () => this.retry(clientMessageId, socket));
          return;
        }

        if (reply?.error?.code === "INTERNAL_ERROR") {
          // The server failed to handle it (a transient fault: the store was busy); the client's
          // answer to that is the same as to a missing ack: try again, same id.
          this.stats.serverErrors++;
          this.after(2_000, () => this.retry(clientMessageId, socket));
          return;
        }

        // Nothing else is expected: the message is valid and the user a member.
        this.stats.ackErrors++;
        this.violations.push(`${this.user.userName}: message:send refused: ${JSON.stringify(reply?.error)}`);
        this.pending.delete(clientMessageId);
      })
      .catch(() => {
        // Timed out, or the connection went away first (the client settles pending acks then).
        // The message may or may not be stored: send it again, same id, once connected.
        p.inflight = false;
        this.stats.ackTimeouts++;
        this.after(500, () => this.retry(clientMessageId, socket));
      });
  }

  retry(clientMessageId, socket) {
    const p = this.pending.get(clientMessageId);
    // On a new connection, onConnect resends it.
    if (p && !p.inflight && this.ready && socket === this.socket && this.sending) {
      this.stats.resends++;
      this.emitPending(clientMessageId);
    }
  }

  onAcked(clientMessageId, p, reply) {
    const message = reply.message;
    const earlier = this.acked.get(clientMessageId);
    if (earlier) {
      // A second answer for an id already acknowledged (an earlier attempt's ack came late).
      if (earlier.id !== message.id) {
        this.violations.push(`${this.user.userName}: clientMessageId ${clientMessageId} acknowledged as ${earlier.id} and as ${message.id}`);
      }

      return;
    }

    if (message.roomId !== p.roomId || message.clientMessageId !== clientMessageId || message.userId !== this.user.id) {
      this.violations.push(`${this.user.userName}: ack for ${clientMessageId} names another message: ${JSON.stringify(message)}`);
    }

    this.acked.set(clientMessageId, { id: message.id, roomId: message.roomId });
    this.pending.delete(clientMessageId);
    this.stats.acked++;
    if (reply.duplicate) {
      this.stats.duplicateAcks++;
    }

    // The sender sees its own message through the ack too (as the web client does).
    this.seen.get(message.roomId)?.add(message.id);
  }

  // --- chaos ----------------------------------------------------------------------------------

  scheduleChaos() {
    this.after(exponential(this.random, this.config.chaosIntervalMs), () => {
      if (this.phase !== "load") {
        return;
      }

      this.chaos();
      this.scheduleChaos();
    });
  }

  chaos() {
    if (!this.socket.connected) {
      return;
    }

    const roll = this.random();
    if (roll < 0.4) {
      // The transport goes away (as a network drop would); the client reconnects by itself.
      this.stats.transportDrops++;
      this.socket.io.engine.close();
    } else if (roll < 0.6) {
      // Cut right after a send: the request or its ack is lost, the resend must not duplicate it.
      this.stats.dropsAfterSend++;
      if (this.ready) {
        this.send();
      }

      this.socket.io.engine.close();
    } else {
      // A full disconnect (the user closes the laptop); back after a while, writing meanwhile.
      this.stats.fullDisconnects++;
      this.offlineUntil = Date.now() + 200 + this.random() * this.config.offlineMaxMs;
      this.socket.disconnect();
    }
  }

  // --- checks ---------------------------------------------------------------------------------

  /** Compares the client's view with the rooms' final history (room → ids). */
  verify(historyByRoom) {
    const result = { missing: 0, unknown: 0, samples: [], judged: this.readyAtFreeze };
    if (!this.readyAtFreeze) {
      // Not connected at the end (it could not drain, which is reported): its view is not complete.
      return result;
    }

    for (const roomId of this.rooms) {
      const history = historyByRoom[roomId] ?? [];
      const seen = this.seen.get(roomId);
      const stored = new Set(history);
      for (const id of history) {
        if (!seen.has(id)) {
          result.missing++;
          if (result.samples.length < 5) {
            result.samples.push(`${this.user.userName} never saw ${id} in ${roomId}`);
          }
        }
      }

      for (const id of seen) {
        if (!stored.has(id)) {
          result.unknown++;
          if (result.samples.length < 5) {
            result.samples.push(`${this.user.userName} saw ${id} in ${roomId}, which is not in its history`);
          }
        }
      }
    }

    return result;
  }

  // --- timers ---------------------------------------------------------------------------------

  after(ms, action) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      action();
    }, ms);
    this.timers.add(t);
  }

  every(ms, action) {
    const t = setInterval(action, ms);
    this.timers.add(t);
  }
}

export function exponential(random, mean) {
  return Math.min(mean * 5, -Math.log(1 - random()) * mean);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small seeded generator (mulberry32), so that a run's choices can be replayed. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
