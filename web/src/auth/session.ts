import { ApiError, type ApiClient, type TokenSource } from "../api/client";
import type { AuthResponse, User } from "../api/types";
import { Emitter } from "../lib/emitter";

/** What is kept between visits: the user and the token pair. */
export interface StoredSession {
  user: User;
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
}

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface SessionOptions {
  storage?: KeyValueStorage | null;
  /** Runs `task` while holding a lock shared by the page's other tabs (Web Locks), so one tab refreshes at a time. */
  withLock?: <T>(task: () => Promise<T>) => Promise<T>;
  now?: () => number;
  /** Refresh this long before the access token expires. */
  refreshMarginMs?: number;
}

export const SESSION_KEY = "synapse.session";

/**
 * The signed-in session: the token pair, silent refresh (before expiry, and on demand after a 401
 * or a refused socket), shared between tabs through storage. Refresh tokens rotate and a spent one
 * revokes the session, so refreshes are single-flight and, across tabs, serialized by a lock: a
 * tab that finds a newer pair in storage adopts it instead of spending its own.
 */
export class AuthSession implements TokenSource {
  readonly changed = new Emitter<StoredSession | null>();
  private current: StoredSession | null;
  private inflight: Promise<boolean> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly storage: KeyValueStorage | null;
  private readonly withLock: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly now: () => number;
  private readonly margin: number;

  constructor(
    private readonly api: ApiClient,
    options: SessionOptions = {},
  ) {
    this.storage = options.storage === undefined ? defaultStorage() : options.storage;
    this.withLock = options.withLock ?? defaultLock;
    this.now = options.now ?? Date.now;
    this.margin = options.refreshMarginMs ?? 60_000;
    this.current = this.read();
    api.useTokens(this);
    this.schedule();
  }

  get session(): StoredSession | null {
    return this.current;
  }

  get user(): User | null {
    return this.current?.user ?? null;
  }

  accessToken(): string | null {
    return this.current?.accessToken ?? null;
  }

  /**
   * The access token, refreshed first when it expires within 30 s (a tab that slept past its
   * scheduled refresh), so that requests and reconnections rarely meet a 401 at all.
   */
  async freshAccessToken(): Promise<string | null> {
    const current = this.current;
    if (current && Date.parse(current.accessTokenExpiresAt) - this.now() < 30_000) {
      await this.refresh();
    }
    return this.accessToken();
  }

  /** Signs in with a fresh auth response (login or register). */
  establish(response: AuthResponse): void {
    this.set(fromResponse(response));
  }

  /** Updates the stored user (after /users/me). */
  updateUser(user: User): void {
    if (this.current) {
      this.set({ ...this.current, user });
    }
  }

  /** Obtains a fresh access token; false (and signed out) when the refresh token is refused. */
  refresh(): Promise<boolean> {
    if (!this.current) {
      return Promise.resolve(false);
    }
    this.inflight ??= this.doRefresh().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** Ends the session here and on the server (best effort). */
  async logout(): Promise<void> {
    const refreshToken = this.current?.refreshToken;
    this.set(null);
    if (refreshToken) {
      try {
        await this.api.logout(refreshToken);
      } catch {
        // Signed out locally either way.
      }
    }
  }

  /** Adopts what another tab stored (the `storage` event). */
  syncFromStorage(): void {
    const stored = this.read();
    if (stored?.refreshToken !== this.current?.refreshToken || stored?.accessToken !== this.current?.accessToken) {
      this.current = stored;
      this.schedule();
      this.changed.emit(stored);
    }
  }

  dispose(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private async doRefresh(): Promise<boolean> {
    const spent = this.current?.refreshToken;
    if (!spent) {
      return false;
    }

    return this.withLock(async () => {
      // Another tab may have refreshed while this one waited for the lock: use its pair.
      const stored = this.read();
      if (stored && stored.refreshToken !== spent) {
        this.current = stored;
        this.schedule();
        this.changed.emit(stored);
        return true;
      }

      try {
        const response = await this.api.refresh(spent);
        this.set(fromResponse(response));
        return true;
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 400)) {
          this.set(null);
        }
        return false;
      }
    });
  }

  private set(session: StoredSession | null): void {
    this.current = session;
    try {
      if (session) {
        this.storage?.setItem(SESSION_KEY, JSON.stringify(session));
      } else {
        this.storage?.removeItem(SESSION_KEY);
      }
    } catch {
      // Storage full or disabled: the session lives in memory only.
    }
    this.schedule();
    this.changed.emit(session);
  }

  private read(): StoredSession | null {
    try {
      const raw = this.storage?.getItem(SESSION_KEY);
      if (!raw) {
        return null;
      }
      const parsed = JSON.parse(raw) as StoredSession;
      return parsed?.user?.id && parsed.refreshToken ? parsed : null;
    } catch {
      return null;
    }
  }

  /** Refreshes silently shortly before the access token expires. */
  private schedule(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.current) {
      return;
    }
    const expiresAt = Date.parse(this.current.accessTokenExpiresAt);
    if (!Number.isFinite(expiresAt)) {
      return;
    }
    const delay = Math.max(5_000, expiresAt - this.margin - this.now());
    // Timers longer than ~24.8 days overflow; a session refreshes far sooner anyway.
    this.timer = setTimeout(() => void this.refresh(), Math.min(delay, 2_000_000_000));
  }
}

function fromResponse(response: AuthResponse): StoredSession {
  return {
    user: response.user,
    accessToken: response.accessToken,
    accessTokenExpiresAt: response.accessTokenExpiresAt,
    refreshToken: response.refreshToken,
  };
}

function defaultStorage(): KeyValueStorage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

function defaultLock<T>(task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === "undefined" ? undefined : navigator.locks;
  return locks ? (locks.request("synapse-token-refresh", task) as Promise<T>) : task();
}
