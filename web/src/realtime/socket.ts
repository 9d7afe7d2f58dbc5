import { io, type Socket } from "socket.io-client";
import type { Ack, AckError } from "../api/types";
import { Emitter } from "../lib/emitter";
import { initialConnection, reduceConnection, type ConnectionEvent, type ConnectionState } from "./connection";

/** The answer to a client event: the server's ack, or DISCONNECTED / TIMEOUT when none came. */
export type RequestResult<T> = ({ success: true } & T) | { success: false; error: AckError; unanswered?: boolean };

export interface RealtimeOptions {
  url?: string;
  /** The current access token (refreshed if about to expire), read at every (re)connection. */
  token: () => string | null | Promise<string | null>;
  /** Called when the server refuses the token: refresh it; false ends the attempts. */
  refreshToken: () => Promise<boolean>;
  ackTimeoutMs?: number;
  /** For tests: build the socket. */
  createSocket?: (url: string | undefined, options: Parameters<typeof io>[1]) => Socket;
}

/**
 * The one Socket.IO connection of a signed-in tab. It keeps the connection status (with the
 * reconnection attempt and the browser's network state), answers every request with a promise
 * that settles even when the connection drops (so nothing waits forever for an ack), and, when the
 * server refuses an expired token, refreshes it and connects again.
 */
export class RealtimeConnection {
  readonly socket: Socket;
  readonly state = new Emitter<ConnectionState>();
  /** Fires after each successful connection; `reconnect` is false for the first one. */
  readonly connected = new Emitter<{ reconnect: boolean }>();
  private current: ConnectionState;
  private readonly pending = new Set<(error: AckError) => void>();
  private readonly ackTimeoutMs: number;
  private readonly cleanup: Array<() => void> = [];
  private closed = false;
  private refreshing = false;

  constructor(private readonly options: RealtimeOptions) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.current = initialConnection(typeof navigator === "undefined" ? true : navigator.onLine !== false);
    const create = options.createSocket ?? ((url, opts) => (url ? io(url, opts) : io(opts)));
    this.socket = create(options.url, {
      autoConnect: false,
      auth: (cb: (data: object) => void) => {
        void Promise.resolve(options.token()).then(
          (token) => cb({ token: token ?? "" }),
          () => cb({ token: "" }),
        );
      },
      reconnectionDelay: 1_000,
      reconnectionDelayMax: 5_000,
      timeout: 10_000,
    });
    this.wire();
  }

  get connection(): ConnectionState {
    return this.current;
  }

  get isConnected(): boolean {
    return this.socket.connected;
  }

  connect(): void {
    if (!this.closed) {
      this.dispatch({ type: "connecting" });
      this.socket.connect();
    }
  }

  /** Closes for good (sign-out). */
  close(): void {
    this.closed = true;
    this.failPending({ code: "DISCONNECTED", message: "The connection was closed." });
    for (const undo of this.cleanup) {
      undo();
    }
    this.socket.removeAllListeners();
    this.socket.io.removeAllListeners();
    this.socket.disconnect();
  }

  /** Listens to a server event; returns the function that stops listening. */
  on<T>(event: string, handler: (payload: T) => void): () => void {
    const listener = (payload: T) => handler(payload);
    this.socket.on(event, listener);
    return () => {
      this.socket.off(event, listener);
    };
  }

  /**
   * Emits a client event with an ack callback. Settles with the ack, or with an unanswered failure
   * when the socket is not connected, drops before the answer, or the answer takes too long.
   */
  request<T = object>(event: string, payload: unknown, timeoutMs = this.ackTimeoutMs): Promise<RequestResult<T>> {
    if (!this.socket.connected) {
      return Promise.resolve({ success: false, unanswered: true, error: { code: "DISCONNECTED", message: "Not connected." } });
    }
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: RequestResult<T>) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          this.pending.delete(fail);
          resolve(result);
        }
      };
      const fail = (error: AckError) => finish({ success: false, unanswered: true, error });
      const timer = setTimeout(() => fail({ code: "TIMEOUT", message: "The server did not answer in time." }), timeoutMs);
      this.pending.add(fail);
      this.socket.emit(event, payload, (ack: Ack<T>) => {
        if (ack && typeof ack === "object" && "success" in ack) {
          finish(ack as RequestResult<T>);
        } else {
          finish({ success: false, error: { code: "BAD_ACK", message: "Unexpected answer from the server." } });
        }
      });
    });
  }

  /** Fire-and-forget, dropped when not connected (typing). */
  notify(event: string, payload: unknown): void {
    if (this.socket.connected) {
      this.socket.volatile.emit(event, payload, () => {
        // An ack callback, so that failures come back here rather than as `error` events.
      });
    }
  }

  private wire(): void {
    const socket = this.socket;
    let everConnected = false;
    socket.on("connect", () => {
      this.dispatch({ type: "connect" });
      this.connected.emit({ reconnect: everConnected });
      everConnected = true;
    });
    socket.on("disconnect", (reason) => {
      this.failPending({ code: "DISCONNECTED", message: "The connection dropped before the server answered." });
      this.dispatch({ type: "disconnect", reason });
      if (reason === "io server disconnect" && !this.closed) {
        // The server closed this socket (not a network failure): socket.io does not retry by itself.
        setTimeout(() => this.connect(), 1_000);
      }
    });
    socket.on("connect_error", (error: Error & { data?: { code?: string } }) => {
      if (!socket.active && !this.closed) {
        // Refused by the server's middleware: normally an expired access token.
        void this.recoverFromRefusal(error.data?.code);
      }
    });
    socket.io.on("reconnect_attempt", (attempt) => this.dispatch({ type: "reconnect_attempt", attempt }));

    if (typeof window !== "undefined") {
      const online = () => {
        this.dispatch({ type: "network", online: true });
        if (!socket.connected && !this.closed) {
          // Back online: try now rather than at the end of the backoff.
          socket.disconnect();
          this.connect();
        }
      };
      const offline = () => this.dispatch({ type: "network", online: false });
      window.addEventListener("online", online);
      window.addEventListener("offline", offline);
      this.cleanup.push(() => window.removeEventListener("online", online), () => window.removeEventListener("offline", offline));
    }
  }

  private async recoverFromRefusal(code: string | undefined): Promise<void> {
    if (this.refreshing) {
      return;
    }
    this.refreshing = true;
    try {
      const refreshed = code === "UNAUTHENTICATED" || code === undefined ? await this.options.refreshToken() : false;
      if (refreshed && !this.closed) {
        setTimeout(() => this.connect(), 250);
      } else if (!this.closed) {
        this.dispatch({ type: "stopped" });
      }
    } finally {
      this.refreshing = false;
    }
  }

  private failPending(error: AckError): void {
    for (const fail of [...this.pending]) {
      fail(error);
    }
  }

  private dispatch(event: ConnectionEvent): void {
    const next = reduceConnection(this.current, event);
    if (next !== this.current) {
      this.current = next;
      this.state.emit(next);
    }
  }
}
