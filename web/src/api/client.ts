import type {
  ApiErrorBody,
  AuthResponse,
  MessagePage,
  NotificationList,
  Room,
  RoomMember,
  User,
} from "./types";

/** A failed API call: the server's `{error: {code, message}}`, or NETWORK_ERROR when it was not reached. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfterSeconds: number | null;

  constructor(status: number, code: string, message: string, retryAfterSeconds: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Where the client gets its bearer token, and how it gets a new one after a 401. */
export interface TokenSource {
  accessToken(): string | null;
  /** The token to send now: refreshed first if about to expire. */
  freshAccessToken?(): Promise<string | null>;
  /** Obtains a fresh access token (single-flight); false when the session is over. */
  refresh(): Promise<boolean>;
}

type Fetch = typeof fetch;

interface RequestOptions {
  body?: unknown;
  auth?: boolean;
  query?: Record<string, string | number | boolean | null | undefined>;
  signal?: AbortSignal;
}

/** The Synapse REST API. Authenticated calls refresh the access token once on a 401 and retry. */
export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: Fetch;
  private tokens: TokenSource | null = null;

  constructor(baseUrl = "", fetchImpl: Fetch = (...args) => fetch(...args)) {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.fetchImpl = fetchImpl;
  }

  /** Sets the token source used by authenticated calls. */
  useTokens(tokens: TokenSource | null): void {
    this.tokens = tokens;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? true;
    let response = await this.send(method, path, options, auth);
    if (response.status === 401 && auth && this.tokens && (await this.tokens.refresh())) {
      response = await this.send(method, path, options, auth);
    }

    if (response.status === 204) {
      return undefined as T;
    }

    const text = await response.text();
    const json = text.length > 0 ? safeParse(text) : undefined;
    if (!response.ok) {
      const body = json as ApiErrorBody | undefined;
      const retryAfter = Number(response.headers.get("retry-after"));
      throw new ApiError(
        response.status,
        body?.error?.code ?? `HTTP_${response.status}`,
        body?.error?.message ?? response.statusText ?? "Request failed",
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
      );
    }

    return json as T;
  }

  private async send(method: string, path: string, options: RequestOptions, auth: boolean): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
    }

    const token = auth && this.tokens ? await (this.tokens.freshAccessToken?.() ?? this.tokens.accessToken()) : null;
    if (token) {
      headers.authorization = `Bearer ${token}`;
    }

    let url = this.baseUrl + path;
    if (options.query) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(options.query)) {
        if (value !== undefined && value !== null && value !== "") {
          params.set(key, String(value));
        }
      }
      const query = params.toString();
      if (query) {
        url += `?${query}`;
      }
    }

    try {
      return await this.fetchImpl(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") {
        throw error;
      }
      throw new ApiError(0, "NETWORK_ERROR", "The server could not be reached.");
    }
  }

  // --- Auth (anonymous) ---------------------------------------------------------------------

  register(userName: string, password: string, displayName?: string): Promise<AuthResponse> {
    return this.request("POST", "/api/auth/register", { auth: false, body: { userName, password, displayName: displayName || undefined } });
  }

  login(userName: string, password: string): Promise<AuthResponse> {
    return this.request("POST", "/api/auth/login", { auth: false, body: { userName, password } });
  }

  refresh(refreshToken: string): Promise<AuthResponse> {
    return this.request("POST", "/api/auth/refresh", { auth: false, body: { refreshToken } });
  }

  logout(refreshToken: string): Promise<void> {
    return this.request("POST", "/api/auth/logout", { auth: false, body: { refreshToken } });
  }

  // --- Users ----------------------------------------------------------------------------------

  me(): Promise<User> {
    return this.request("GET", "/api/users/me");
  }

  async searchUsers(search: string, limit = 20, signal?: AbortSignal): Promise<User[]> {
    const result = await this.request<{ users: User[] }>("GET", "/api/users", { query: { search, limit }, signal });
    return result.users;
  }

  // --- Rooms ----------------------------------------------------------------------------------

  async rooms(): Promise<Room[]> {
    return (await this.request<{ rooms: Room[] }>("GET", "/api/rooms")).rooms;
  }

  room(roomId: string): Promise<Room> {
    return this.request("GET", `/api/rooms/${encodeURIComponent(roomId)}`);
  }

  createRoom(name: string, isPrivate: boolean, memberIds: string[] = []): Promise<Room> {
    return this.request("POST", "/api/rooms", { body: { name, isPrivate, memberIds } });
  }

  openDirect(userId: string): Promise<Room> {
    return this.request("POST", "/api/rooms/direct", { body: { userId } });
  }

  addMember(roomId: string, userId: string): Promise<RoomMember> {
    return this.request("POST", `/api/rooms/${encodeURIComponent(roomId)}/members`, { body: { userId } });
  }

  removeMember(roomId: string, userId: string): Promise<void> {
    return this.request("DELETE", `/api/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(userId)}`);
  }

  /** History: newest first (optionally before a message), or with `after` what came after it, oldest first. */
  messages(roomId: string, page: { before?: string; after?: string; limit?: number } = {}): Promise<MessagePage> {
    return this.request("GET", `/api/rooms/${encodeURIComponent(roomId)}/messages`, { query: page });
  }

  // --- Notifications --------------------------------------------------------------------------

  notifications(limit = 50): Promise<NotificationList> {
    return this.request("GET", "/api/notifications", { query: { limit } });
  }

  markNotificationRead(id: string): Promise<void> {
    return this.request("POST", `/api/notifications/${encodeURIComponent(id)}/read`);
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
