import type { AckError, Message } from "../api/types";
import type { KeyValueStorage } from "../auth/session";

/** A message waiting to be stored by the server. */
export interface OutgoingMessage {
  clientMessageId: string;
  roomId: string;
  content: string;
  replyToId: string | null;
  createdAt: string;
}

/**
 * The outcome of one `message:send`. `retryable`: the server did not answer (disconnected, timed
 * out) or asked to slow down, so sending again later with the same clientMessageId is safe — the
 * server stores it once. Otherwise the message was refused and is shown as failed.
 */
export type SendOutcome =
  | { ok: true; message: Message; duplicate: boolean }
  | { ok: false; retryable: boolean; error: AckError; retryAfterMs?: number };

export interface OutboxOptions {
  send: (message: OutgoingMessage) => Promise<SendOutcome>;
  isConnected: () => boolean;
  onSent?: (outgoing: OutgoingMessage, stored: Message) => void;
  onFailed?: (outgoing: OutgoingMessage, error: AckError) => void;
  onChange?: (queue: readonly OutgoingMessage[]) => void;
  storage?: KeyValueStorage | null;
  storageKey?: string;
  /** Waits before retrying after RATE_LIMITED (tests pass a fake). */
  delay?: (ms: number) => Promise<void>;
  maxRateLimitRetries?: number;
}

/**
 * The offline queue. Messages are sent one at a time in the order written, only while connected;
 * what cannot be sent now (offline, disconnected mid-send, no ack) stays queued and goes out on
 * the next {@link flush} (the client flushes after every reconnect), with the same
 * clientMessageId so that a send the server did store is not stored twice. The queue survives a
 * reload through storage.
 */
export class Outbox {
  private queue: OutgoingMessage[] = [];
  private flushing: Promise<void> | null = null;
  private rerun = false;
  private readonly options: OutboxOptions;
  private readonly delay: (ms: number) => Promise<void>;

  constructor(options: OutboxOptions) {
    this.options = options;
    this.delay = options.delay ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.queue = this.load();
  }

  /** The messages not yet stored, oldest first. */
  get pending(): readonly OutgoingMessage[] {
    return this.queue;
  }

  has(clientMessageId: string): boolean {
    return this.queue.some((m) => m.clientMessageId === clientMessageId);
  }

  /** Queues a message and sends it at once when connected. */
  enqueue(message: OutgoingMessage): Promise<void> {
    if (!this.has(message.clientMessageId)) {
      this.queue = [...this.queue, message];
      this.changed();
    }
    return this.flush();
  }

  /** Drops a queued message (the user discarded it). */
  discard(clientMessageId: string): void {
    const before = this.queue.length;
    this.queue = this.queue.filter((m) => m.clientMessageId !== clientMessageId);
    if (this.queue.length !== before) {
      this.changed();
    }
  }

  /** Sends what is queued, in order, while connected. Concurrent calls share one run. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.rerun = true;
      return this.flushing;
    }
    this.flushing = this.run().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async run(): Promise<void> {
    do {
      this.rerun = false;
      let rateLimited = 0;
      while (this.queue.length > 0 && this.options.isConnected()) {
        const head = this.queue[0];
        let outcome: SendOutcome;
        try {
          outcome = await this.options.send(head);
        } catch (error) {
          outcome = { ok: false, retryable: true, error: { code: "SEND_FAILED", message: String(error) } };
        }

        if (outcome.ok) {
          rateLimited = 0;
          this.remove(head);
          this.options.onSent?.(head, outcome.message);
          continue;
        }

        if (outcome.error.code === "RATE_LIMITED" && rateLimited < (this.options.maxRateLimitRetries ?? 5)) {
          rateLimited++;
          await this.delay(outcome.retryAfterMs ?? 2_000 * rateLimited);
          continue;
        }

        if (outcome.retryable && outcome.error.code !== "RATE_LIMITED") {
          // Not answered: keep it at the head; the next flush (after reconnecting) sends it again.
          return;
        }

        this.remove(head);
        this.options.onFailed?.(head, outcome.error);
      }
    } while (this.rerun && this.queue.length > 0 && this.options.isConnected());
  }

  private remove(message: OutgoingMessage): void {
    this.queue = this.queue.filter((m) => m.clientMessageId !== message.clientMessageId);
    this.changed();
  }

  private changed(): void {
    this.save();
    this.options.onChange?.(this.queue);
  }

  private load(): OutgoingMessage[] {
    const { storage, storageKey } = this.options;
    if (!storage || !storageKey) {
      return [];
    }
    try {
      const parsed = JSON.parse(storage.getItem(storageKey) ?? "[]") as OutgoingMessage[];
      return Array.isArray(parsed) ? parsed.filter((m) => m && typeof m.clientMessageId === "string" && typeof m.roomId === "string") : [];
    } catch {
      return [];
    }
  }

  private save(): void {
    const { storage, storageKey } = this.options;
    if (!storage || !storageKey) {
      return;
    }
    try {
      if (this.queue.length === 0) {
        storage.removeItem(storageKey);
      } else {
        storage.setItem(storageKey, JSON.stringify(this.queue));
      }
    } catch {
      // Storage unavailable: the queue lives in memory only.
    }
  }
}
