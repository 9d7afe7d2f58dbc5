/** Timer functions, injectable for tests. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Sends `typing:start` / `typing:stop` for what the user types, debounced: one start when typing
 * begins, repeated every `refreshMs` while it goes on (the server forgets a state not refreshed
 * within its timeout, 5 s), and one stop after `idleMs` without a keystroke, on send, or when the
 * user leaves the room.
 */
export class TypingNotifier {
  private readonly rooms = new Map<string, { lastStart: number; idle: unknown }>();

  constructor(
    private readonly emit: (event: "typing:start" | "typing:stop", roomId: string) => void,
    private readonly options: { refreshMs?: number; idleMs?: number } = {},
    private readonly timers: Timers = realTimers,
  ) {}

  /** The user typed in the room's composer. */
  input(roomId: string): void {
    const now = this.timers.now();
    const state = this.rooms.get(roomId);
    const refresh = this.options.refreshMs ?? 3_000;
    if (!state || now - state.lastStart >= refresh) {
      this.emit("typing:start", roomId);
    }
    if (state) {
      this.timers.clearTimeout(state.idle);
    }
    const idle = this.timers.setTimeout(() => this.stop(roomId), this.options.idleMs ?? 2_500);
    this.rooms.set(roomId, { lastStart: !state || now - state.lastStart >= refresh ? now : state.lastStart, idle });
  }

  /** Typing ended (idle, sent, cleared, left). Sends `typing:stop` only if a start was sent. */
  stop(roomId: string): void {
    const state = this.rooms.get(roomId);
    if (!state) {
      return;
    }
    this.timers.clearTimeout(state.idle);
    this.rooms.delete(roomId);
    this.emit("typing:stop", roomId);
  }

  /** Forgets every state without sending (the connection dropped: the server cleared them). */
  reset(): void {
    for (const state of this.rooms.values()) {
      this.timers.clearTimeout(state.idle);
    }
    this.rooms.clear();
  }

  isTyping(roomId: string): boolean {
    return this.rooms.has(roomId);
  }
}

export interface Typist {
  userId: string;
  userName: string;
  expiresAt: number;
}

/** Who is typing in each room, as heard from others; an entry expires unless refreshed. */
export type TypingMap = Record<string, Typist[]>;

export const TYPING_EXPIRY_MS = 6_000;

export function typingStarted(map: TypingMap, roomId: string, userId: string, userName: string, now: number, ttl = TYPING_EXPIRY_MS): TypingMap {
  const list = map[roomId] ?? [];
  const others = list.filter((t) => t.userId !== userId);
  return { ...map, [roomId]: [...others, { userId, userName, expiresAt: now + ttl }] };
}

export function typingStopped(map: TypingMap, roomId: string, userId: string): TypingMap {
  const list = map[roomId];
  if (!list?.some((t) => t.userId === userId)) {
    return map;
  }
  return { ...map, [roomId]: list.filter((t) => t.userId !== userId) };
}

/** Removes a user from every room (they went offline). */
export function typingGone(map: TypingMap, userId: string): TypingMap {
  let next = map;
  for (const roomId of Object.keys(map)) {
    next = typingStopped(next, roomId, userId);
  }
  return next;
}

/** Drops expired entries; returns the same map when none expired. */
export function pruneTyping(map: TypingMap, now: number): TypingMap {
  let changed = false;
  const next: TypingMap = {};
  for (const [roomId, list] of Object.entries(map)) {
    const alive = list.filter((t) => t.expiresAt > now);
    changed ||= alive.length !== list.length;
    if (alive.length > 0) {
      next[roomId] = alive;
    } else if (list.length > 0) {
      changed = true;
    }
  }
  return changed ? next : map;
}

/** "Alice is typing…", "Alice and Bob are typing…", "Several people are typing…". */
export function describeTyping(names: string[]): string {
  if (names.length === 0) {
    return "";
  }
  if (names.length === 1) {
    return `${names[0]} is typing…`;
  }
  if (names.length === 2) {
    return `${names[0]} and ${names[1]} are typing…`;
  }
  if (names.length === 3) {
    return `${names[0]}, ${names[1]} and ${names[2]} are typing…`;
  }
  return "Several people are typing…";
}
