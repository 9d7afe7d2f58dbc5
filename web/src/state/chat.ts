import { ApiError, type ApiClient } from "../api/client";
import type {
  AnnouncementEvent,
  Message,
  MessageUpdatedEvent,
  Notification,
  PresenceEvent,
  ReactionEvent,
  Room,
  RoomJoinedEvent,
  TypingEvent,
  User,
  UserRoomEvent,
} from "../api/types";
import type { AuthSession } from "../auth/session";
import { newId } from "../lib/ids";
import { Store } from "../lib/store";
import { CallManager, type CallView } from "../realtime/calls";
import type { ConnectionState } from "../realtime/connection";
import { Outbox, type OutgoingMessage, type SendOutcome } from "../realtime/outbox";
import { RealtimeConnection } from "../realtime/socket";
import { catchUp } from "../realtime/sync";
import {
  applyEdit,
  applyReaction,
  isLocal,
  localId,
  mergeMessages,
  newestStored,
  oldestStored,
  optimisticMessage,
  removeMessage,
  setLocalStatus,
  type ChatMessage,
} from "../realtime/timeline";
import {
  pruneTyping,
  TypingNotifier,
  typingGone,
  typingStarted,
  typingStopped,
  type TypingMap,
} from "../realtime/typing";

export interface MemberInfo {
  userId: string;
  userName: string;
  displayName: string;
}

export interface RoomEntry extends Room {
  members: MemberInfo[] | null;
}

export interface Timeline {
  messages: ChatMessage[];
  hasMore: boolean;
  loaded: boolean;
  loadingOlder: boolean;
  error: string | null;
}

export type ToastKind = "info" | "mention" | "announcement" | "error" | "call" | "success";

export interface Toast {
  id: string;
  kind: ToastKind;
  title: string;
  message: string;
  roomId?: string | null;
}

/** A stored notification, or a system announcement kept for this visit (`local`). */
export interface NotificationItem extends Omit<Notification, "type"> {
  type: Notification["type"] | "announcement";
  local?: boolean;
}

export interface ChatState {
  me: User;
  connection: ConnectionState;
  rooms: Record<string, RoomEntry>;
  roomsLoaded: boolean;
  activeRoomId: string | null;
  timelines: Record<string, Timeline>;
  online: Record<string, boolean>;
  typing: TypingMap;
  /** Per room: the creation time of the newest message read. */
  lastRead: Record<string, string>;
  notifications: NotificationItem[];
  toasts: Toast[];
  call: CallView | null;
  /** Messages waiting in the offline queue. */
  queued: number;
}

const PAGE_SIZE = 40;

const emptyTimeline: Timeline = { messages: [], hasMore: false, loaded: false, loadingOlder: false, error: null };

/**
 * The signed-in chat: REST for history and rooms, the real-time connection for everything live,
 * the offline queue for sending, reconciled in one immutable state that React renders. After every
 * (re)connection it re-joins the rooms, fetches what was missed and then sends what was queued.
 */
export class ChatClient {
  readonly store: Store<ChatState>;
  readonly connection: RealtimeConnection;
  readonly calls: CallManager;
  private readonly outbox: Outbox;
  private readonly typingNotifier: TypingNotifier;
  private readonly off: Array<() => void> = [];
  private readonly timers: Array<ReturnType<typeof setInterval>> = [];
  private readonly storage: Storage | null;
  /** The rooms this connection has joined (room:join), cleared when it drops. */
  private readonly joined = new Set<string>();
  private roomsLoading: Promise<void> | null = null;
  private started = false;
  private disposed = false;
  private firstVisit: boolean;

  constructor(
    readonly api: ApiClient,
    private readonly session: AuthSession,
    options: { url?: string } = {},
  ) {
    const me = session.user!;
    this.storage = safeStorage();
    const lastRead = this.readJson<Record<string, string>>(this.key("lastRead"));
    this.firstVisit = lastRead === null;

    this.connection = new RealtimeConnection({
      url: options.url,
      token: () => session.freshAccessToken(),
      refreshToken: () => session.refresh(),
    });

    this.store = new Store<ChatState>({
      me,
      connection: this.connection.connection,
      rooms: {},
      roomsLoaded: false,
      activeRoomId: null,
      timelines: {},
      online: { [me.id]: false },
      typing: {},
      lastRead: lastRead ?? {},
      notifications: [],
      toasts: [],
      call: null,
      queued: 0,
    });

    this.outbox = new Outbox({
      send: (m) => this.sendNow(m),
      isConnected: () => this.connection.isConnected,
      onSent: (m, stored) => this.onSent(m, stored),
      onFailed: (m, error) => this.patchTimeline(m.roomId, (t) => ({ ...t, messages: setLocalStatus(t.messages, m.clientMessageId, "failed", error.message) })),
      onChange: (queue) => this.store.update((s) => (s.queued === queue.length ? s : { ...s, queued: queue.length })),
      storage: this.storage,
      storageKey: this.key("outbox"),
    });

    this.typingNotifier = new TypingNotifier((event, roomId) => this.connection.notify(event, { roomId }));

    this.calls = new CallManager({
      connection: this.connection,
      myUserId: () => this.me.id,
      onChange: (call) => this.store.update((s) => ({ ...s, call })),
      nameOf: (userId) => this.nameOf(userId),
      onError: (message) => this.toast("error", "Call", message),
    });
  }

  get state(): ChatState {
    return this.store.getState();
  }

  private get me(): User {
    return this.state.me;
  }

  // --- Lifecycle ----------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.wireSocket();
    this.restoreQueued();
    this.connection.connect();

    void this.api
      .me()
      .then((user) => {
        this.session.updateUser(user);
        this.store.update((s) => ({ ...s, me: user }));
      })
      .catch(() => undefined);
    void this.loadNotifications();
    await this.loadRooms();

    // Public rooms created by others appear without a reload; typing states expire.
    this.timers.push(setInterval(() => void this.loadRooms(), 20_000));
    this.timers.push(setInterval(() => this.store.update((s) => ({ ...s, typing: pruneTyping(s.typing, Date.now()) })), 1_000));
    const onVisible = () => {
      if (document.visibilityState === "visible" && this.state.activeRoomId) {
        this.markRead(this.state.activeRoomId);
      }
    };
    document.addEventListener("visibilitychange", onVisible);
    window.addEventListener("focus", onVisible);
    this.off.push(() => document.removeEventListener("visibilitychange", onVisible), () => window.removeEventListener("focus", onVisible));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const undo of this.off) undo();
    for (const timer of this.timers) clearInterval(timer);
    this.typingNotifier.reset();
    this.calls.dispose();
    this.connection.close();
  }

  private wireSocket(): void {
    const c = this.connection;
    this.off.push(
      c.state.on((connection) => {
        const connected = connection.status === "connected";
        if (!connected) {
          this.typingNotifier.reset();
          this.joined.clear();
        }
        this.store.update((s) => ({
          ...s,
          connection,
          // Disconnected, what we knew of others' presence and typing goes stale: forget it until
          // the rooms are joined again (room:joined brings the current presence).
          online: connected ? { ...s.online, [s.me.id]: true } : { [s.me.id]: false },
          typing: connected ? s.typing : {},
        }));
      }),
      c.connected.on(() => void this.onConnected()),
      c.on<Message>("message:new", (m) => this.onMessage(m)),
      c.on<MessageUpdatedEvent>("message:updated", (e) => this.patchTimeline(e.roomId, (t) => ({ ...t, messages: applyEdit(t.messages, e) }))),
      c.on<string>("message:deleted", (id) => this.onDeleted(typeof id === "string" ? id : String((id as { messageId?: string })?.messageId ?? ""))),
      c.on<ReactionEvent>("message:reaction-added", (e) => this.patchTimeline(e.roomId, (t) => ({ ...t, messages: applyReaction(t.messages, e, true) }))),
      c.on<ReactionEvent>("message:reaction-removed", (e) => this.patchTimeline(e.roomId, (t) => ({ ...t, messages: applyReaction(t.messages, e, false) }))),
      c.on<TypingEvent>("user:typing", (e) => {
        if (e.userId !== this.me.id) {
          this.store.update((s) => ({ ...s, typing: typingStarted(s.typing, e.roomId, e.userId, this.nameOf(e.userId) ?? e.userName ?? "Someone", Date.now()) }));
        }
      }),
      c.on<TypingEvent>("user:stop-typing", (e) => this.store.update((s) => ({ ...s, typing: typingStopped(s.typing, e.roomId, e.userId) }))),
      c.on<PresenceEvent>("user:online", (e) => this.setOnline(e.userId, true)),
      c.on<PresenceEvent>("user:offline", (e) => {
        this.setOnline(e.userId, false);
        this.store.update((s) => ({ ...s, typing: typingGone(s.typing, e.userId) }));
      }),
      c.on<RoomJoinedEvent>("room:joined", (e) => this.onRoomJoined(e)),
      c.on<UserRoomEvent>("user:joined-room", (e) => this.onUserJoinedRoom(e)),
      c.on<UserRoomEvent>("user:left-room", (e) => this.onUserLeftRoom(e)),
      c.on<Notification>("notification", (n) => this.onNotification(n)),
      c.on<AnnouncementEvent>("system:announcement", (a) => this.onAnnouncement(a)),
      c.on<{ code: string; message: string }>("error", (e) => console.warn("Synapse:", e?.code, e?.message)),
    );
  }

  /** After every (re)connection: re-join the member rooms, fetch what was missed, send the queue. */
  private async onConnected(): Promise<void> {
    const me = this.me;
    void this.connection.request("authenticate", { token: this.session.accessToken(), userId: me.id, userName: me.userName });
    this.joined.clear();
    if (!this.state.roomsLoaded) {
      await this.loadRooms();
    }
    const memberRooms = Object.values(this.state.rooms).filter((r) => r.isMember);
    await Promise.all(memberRooms.filter((room) => !this.joined.has(room.id)).map((room) => this.joinSocketRoom(room.id)));
    await Promise.all(
      memberRooms
        .filter((room) => this.state.timelines[room.id]?.loaded)
        .map((room) => this.syncRoom(room.id)),
    );
    await this.outbox.flush();
  }

  private async joinSocketRoom(roomId: string): Promise<boolean> {
    const ack = await this.connection.request("room:join", { roomId });
    if (!ack.success && !("unanswered" in ack && ack.unanswered)) {
      if (ack.error.code === "FORBIDDEN" || ack.error.code === "NOT_FOUND") {
        // Removed from the room while away.
        this.store.update((s) => {
          const room = s.rooms[roomId];
          return room ? { ...s, rooms: { ...s.rooms, [roomId]: { ...room, isMember: false } } } : s;
        });
      }
      return false;
    }
    if (ack.success) {
      this.joined.add(roomId);
    }
    return ack.success;
  }

  private async syncRoom(roomId: string): Promise<void> {
    try {
      const timeline = this.state.timelines[roomId] ?? emptyTimeline;
      const result = await catchUp(this.api, roomId, timeline.messages);
      // Merge into the current timeline: live events may have arrived meanwhile; what the
      // snapshot had and the server no longer has was deleted while away.
      const before = new Set(timeline.messages.map((m) => m.id));
      const after = new Set(result.messages.map((m) => m.id));
      this.patchTimeline(roomId, (t) => ({
        ...t,
        messages: mergeMessages(t.messages.filter((m) => isLocal(m) || !before.has(m.id) || after.has(m.id)), result.messages).messages,
      }));
      this.afterNewMessages(roomId);
    } catch {
      // The next reconnection tries again.
    }
  }

  // --- Rooms --------------------------------------------------------------------------------

  /** Reads the room list (single-flight: concurrent callers share one read). */
  loadRooms(): Promise<void> {
    this.roomsLoading ??= this.readRooms().finally(() => {
      this.roomsLoading = null;
    });
    return this.roomsLoading;
  }

  private async readRooms(): Promise<void> {
    let rooms: Room[];
    try {
      rooms = await this.api.rooms();
    } catch (error) {
      if (!this.state.roomsLoaded && !(error instanceof ApiError && error.status === 401)) {
        this.toast("error", "Rooms", "Could not load your rooms. Retrying soon.");
      }
      return;
    }

    const previous = this.state.rooms;
    const next: Record<string, RoomEntry> = {};
    for (const room of rooms) {
      next[room.id] = { ...room, members: previous[room.id]?.members ?? null };
    }
    this.store.update((s) => ({ ...s, rooms: next, roomsLoaded: true }));

    // Member rooms this connection has not joined yet (added by someone, a new direct
    // conversation, created in another tab): join first, then read, so nothing falls in between.
    if (this.connection.isConnected) {
      await Promise.all(rooms.filter((r) => r.isMember && !this.joined.has(r.id)).map((r) => this.joinSocketRoom(r.id)));
    }

    // First pages of the rooms not loaded yet: the last message and unread counts in the list.
    const toLoad = rooms.filter((r) => r.isMember && !this.state.timelines[r.id]?.loaded);
    await runLimited(toLoad, 4, (room) => this.loadLatest(room.id));

    if (this.firstVisit) {
      // First visit on this device: what is already there counts as read.
      this.firstVisit = false;
      this.store.update((s) => {
        const lastRead = { ...s.lastRead };
        for (const [roomId, t] of Object.entries(s.timelines)) {
          const newest = newestStored(t.messages);
          if (newest && !lastRead[roomId]) lastRead[roomId] = newest.createdAt;
        }
        return { ...s, lastRead };
      });
      this.saveLastRead();
    }
  }

  private async loadLatest(roomId: string): Promise<void> {
    try {
      const page = await this.api.messages(roomId, { limit: PAGE_SIZE });
      this.patchTimeline(roomId, (t) => ({
        ...t,
        messages: mergeMessages(t.messages, page.messages).messages,
        hasMore: t.loaded ? t.hasMore : page.hasMore,
        loaded: true,
        error: null,
      }));
      this.afterNewMessages(roomId);
    } catch (error) {
      this.patchTimeline(roomId, (t) => ({ ...t, error: error instanceof Error ? error.message : "Could not load messages." }));
    }
  }

  /** Opens a room; a public room you are not in is joined. */
  async openRoom(roomId: string | null): Promise<void> {
    const previous = this.state.activeRoomId;
    if (previous && previous !== roomId) this.typingNotifier.stop(previous);
    this.store.update((s) => ({ ...s, activeRoomId: roomId }));
    if (!roomId) return;
    this.storage?.setItem(this.key("activeRoom"), roomId);

    const room = this.state.rooms[roomId];
    if (room && !room.isMember && !room.isPrivate) {
      const joined = await this.joinSocketRoom(roomId);
      if (!joined) {
        this.toast("error", room.name, "Could not join this room right now.");
        return;
      }
      this.store.update((s) => ({ ...s, rooms: { ...s.rooms, [roomId]: { ...s.rooms[roomId], isMember: true, memberCount: s.rooms[roomId].memberCount + 1 } } }));
    }
    if (!this.state.timelines[roomId]?.loaded) {
      await this.loadLatest(roomId);
    }
    if (room && !room.members) {
      void this.loadRoomDetails(roomId);
    }
    this.markRead(roomId);
  }

  async loadRoomDetails(roomId: string): Promise<void> {
    try {
      const details = await this.api.room(roomId);
      this.store.update((s) => ({
        ...s,
        rooms: {
          ...s.rooms,
          [roomId]: { ...(s.rooms[roomId] ?? details), ...details, members: (details.members ?? []).map(toMember), memberCount: details.members?.length ?? details.memberCount },
        },
      }));
    } catch {
      // Shown without members.
    }
  }

  async loadOlder(roomId: string): Promise<void> {
    const timeline = this.state.timelines[roomId];
    if (!timeline || timeline.loadingOlder || !timeline.hasMore) return;
    const oldest = oldestStored(timeline.messages);
    this.patchTimeline(roomId, (t) => ({ ...t, loadingOlder: true }));
    try {
      const page = await this.api.messages(roomId, { before: oldest?.id, limit: PAGE_SIZE });
      this.patchTimeline(roomId, (t) => ({ ...t, messages: mergeMessages(t.messages, page.messages).messages, hasMore: page.hasMore, loadingOlder: false }));
    } catch {
      this.patchTimeline(roomId, (t) => ({ ...t, loadingOlder: false }));
      this.toast("error", "History", "Could not load older messages.");
    }
  }

  async createRoom(name: string, isPrivate: boolean): Promise<RoomEntry | null> {
    try {
      const room = await this.api.createRoom(name.trim(), isPrivate);
      this.addRoom(room);
      await this.joinSocketRoom(room.id);
      await this.openRoom(room.id);
      return this.state.rooms[room.id];
    } catch (error) {
      this.toast("error", "New room", errorText(error));
      return null;
    }
  }

  /** Opens (creating it if needed) the direct conversation with a user; returns its room id. */
  async openDirect(user: User): Promise<string | null> {
    try {
      const room = await this.api.openDirect(user.id);
      this.addRoom(room);
      await this.joinSocketRoom(room.id);
      return room.id;
    } catch (error) {
      this.toast("error", "Direct message", errorText(error));
      return null;
    }
  }

  async addMember(roomId: string, user: User): Promise<boolean> {
    try {
      await this.api.addMember(roomId, user.id);
      await this.loadRoomDetails(roomId);
      this.toast("success", "Member added", `${user.displayName || user.userName} is now in the room.`);
      return true;
    } catch (error) {
      this.toast("error", "Add member", errorText(error));
      return false;
    }
  }

  async leaveRoom(roomId: string): Promise<void> {
    try {
      await this.api.removeMember(roomId, this.me.id);
      void this.connection.request("room:leave", { roomId });
      this.store.update((s) => {
        const rooms = { ...s.rooms };
        const room = rooms[roomId];
        if (room && !room.isPrivate) rooms[roomId] = { ...room, isMember: false, members: null };
        else delete rooms[roomId];
        return { ...s, rooms, activeRoomId: s.activeRoomId === roomId ? null : s.activeRoomId };
      });
    } catch (error) {
      this.toast("error", "Leave room", errorText(error));
    }
  }

  private addRoom(room: Room): void {
    this.store.update((s) => ({
      ...s,
      rooms: { ...s.rooms, [room.id]: { ...room, isMember: true, members: room.members ? room.members.map(toMember) : (s.rooms[room.id]?.members ?? null) } },
    }));
  }

  // --- Messages -----------------------------------------------------------------------------

  /** Sends a message: shown at once as pending, then sent, or queued while offline. */
  sendMessage(roomId: string, content: string, replyToId: string | null = null): void {
    const text = content.trim();
    if (!text) return;
    this.typingNotifier.stop(roomId);
    const outgoing: OutgoingMessage = { clientMessageId: newId(), roomId, content: text, replyToId, createdAt: new Date().toISOString() };
    this.showOptimistic(outgoing);
    void this.outbox.enqueue(outgoing);
  }

  /** Sends a failed message again (same clientMessageId: stored once). */
  retryMessage(message: ChatMessage): void {
    if (!message.clientMessageId) return;
    this.patchTimeline(message.roomId, (t) => ({ ...t, messages: setLocalStatus(t.messages, message.clientMessageId!, "pending") }));
    void this.outbox.enqueue({ clientMessageId: message.clientMessageId, roomId: message.roomId, content: message.content, replyToId: message.replyToId, createdAt: message.createdAt });
  }

  discardMessage(message: ChatMessage): void {
    if (!message.clientMessageId) return;
    this.outbox.discard(message.clientMessageId);
    this.patchTimeline(message.roomId, (t) => ({ ...t, messages: removeMessage(t.messages, localId(message.clientMessageId!)) }));
  }

  async editMessage(message: ChatMessage, content: string): Promise<boolean> {
    const text = content.trim();
    if (!text || text === message.content) return true;
    const ack = await this.connection.request<{ message: Message }>("message:edit", { messageId: message.id, content: text });
    if (!ack.success) {
      this.toast("error", "Edit", ackText(ack.error));
      return false;
    }
    this.patchTimeline(message.roomId, (t) => ({ ...t, messages: applyEdit(t.messages, { messageId: message.id, roomId: message.roomId, content: ack.message.content, editedAt: ack.message.editedAt }) }));
    return true;
  }

  async deleteMessage(message: ChatMessage): Promise<void> {
    if (isLocal(message)) {
      this.discardMessage(message);
      return;
    }
    const ack = await this.connection.request("message:delete", { messageId: message.id });
    if (!ack.success) {
      this.toast("error", "Delete", ackText(ack.error));
      return;
    }
    this.onDeleted(message.id);
  }

  async toggleReaction(message: ChatMessage, emoji: string): Promise<void> {
    if (isLocal(message)) return;
    const ack = await this.connection.request<{ added: boolean }>("message:react", { messageId: message.id, emoji });
    if (!ack.success) {
      this.toast("error", "Reaction", ackText(ack.error));
      return;
    }
    this.patchTimeline(message.roomId, (t) => ({ ...t, messages: applyReaction(t.messages, { messageId: message.id, roomId: message.roomId, emoji, userId: this.me.id }, ack.added) }));
  }

  /** The user typed in the composer. */
  typing(roomId: string, hasText: boolean): void {
    if (hasText) this.typingNotifier.input(roomId);
    else this.typingNotifier.stop(roomId);
  }

  private async sendNow(m: OutgoingMessage): Promise<SendOutcome> {
    this.patchTimeline(m.roomId, (t) => ({ ...t, messages: setLocalStatus(t.messages, m.clientMessageId, "pending") }));
    const ack = await this.connection.request<{ message: Message; duplicate: boolean }>("message:send", {
      roomId: m.roomId,
      content: m.content,
      clientMessageId: m.clientMessageId,
      replyToId: m.replyToId ?? undefined,
    });
    if (ack.success) {
      return { ok: true, message: ack.message, duplicate: ack.duplicate };
    }
    const unanswered = "unanswered" in ack && ack.unanswered === true;
    return { ok: false, retryable: unanswered || ack.error.code === "RATE_LIMITED", error: ack.error };
  }

  private onSent(_m: OutgoingMessage, stored: Message): void {
    this.patchTimeline(stored.roomId, (t) => ({ ...t, messages: mergeMessages(t.messages, [stored]).messages }));
    this.afterNewMessages(stored.roomId);
  }

  private showOptimistic(m: OutgoingMessage): void {
    const me = this.me;
    const message = optimisticMessage({ ...m, userId: me.id, userName: me.userName });
    this.patchTimeline(m.roomId, (t) => ({ ...t, messages: mergeMessages(t.messages, [message]).messages }));
  }

  /** Messages queued in an earlier visit are shown again as pending. */
  private restoreQueued(): void {
    for (const m of this.outbox.pending) {
      this.showOptimistic(m);
    }
  }

  private onMessage(message: Message): void {
    if (!this.state.rooms[message.roomId]) {
      void this.loadRooms();
    }
    this.patchTimeline(message.roomId, (t) => ({ ...t, messages: mergeMessages(t.messages, [message]).messages }));
    this.store.update((s) => ({ ...s, typing: typingStopped(s.typing, message.roomId, message.userId) }));
    this.afterNewMessages(message.roomId);
  }

  private onDeleted(messageId: string): void {
    if (!messageId) return;
    this.store.update((s) => {
      let timelines = s.timelines;
      for (const [roomId, t] of Object.entries(s.timelines)) {
        const messages = removeMessage(t.messages, messageId);
        if (messages !== t.messages) {
          timelines = { ...timelines, [roomId]: { ...t, messages } };
        }
      }
      return timelines === s.timelines ? s : { ...s, timelines };
    });
  }

  /** Reads the active room's new messages when the page is visible. */
  private afterNewMessages(roomId: string): void {
    if (roomId === this.state.activeRoomId && isVisible()) {
      this.markRead(roomId);
    }
  }

  markRead(roomId: string): void {
    const newest = newestStored(this.state.timelines[roomId]?.messages ?? []);
    if (!newest) return;
    const current = this.state.lastRead[roomId];
    if (current && Date.parse(current) >= Date.parse(newest.createdAt)) return;
    this.store.update((s) => ({ ...s, lastRead: { ...s.lastRead, [roomId]: newest.createdAt } }));
    this.saveLastRead();
  }

  // --- Presence and membership --------------------------------------------------------------

  private setOnline(userId: string, online: boolean): void {
    this.store.update((s) => (s.online[userId] === online ? s : { ...s, online: { ...s.online, [userId]: online } }));
  }

  private onRoomJoined(e: RoomJoinedEvent): void {
    this.store.update((s) => {
      const online = { ...s.online };
      for (const m of e.members) {
        if (m.userId !== s.me.id) online[m.userId] = m.online;
      }
      const room = s.rooms[e.roomId];
      const rooms = room ? { ...s.rooms, [e.roomId]: { ...room, isMember: true, memberCount: e.members.length, members: e.members.map(toMember) } } : s.rooms;
      return { ...s, online, rooms };
    });
    if (!this.state.rooms[e.roomId]) {
      void this.loadRooms();
    }
  }

  private onUserJoinedRoom(e: UserRoomEvent): void {
    this.setOnline(e.userId, true);
    this.store.update((s) => {
      const room = s.rooms[e.roomId];
      if (!room?.members || room.members.some((m) => m.userId === e.userId)) return s;
      const members = [...room.members, { userId: e.userId, userName: e.userName, displayName: e.userName }];
      return { ...s, rooms: { ...s.rooms, [e.roomId]: { ...room, members, memberCount: members.length } } };
    });
    void this.loadRoomDetails(e.roomId);
  }

  private onUserLeftRoom(e: UserRoomEvent): void {
    if (e.userId === this.me.id) {
      void this.loadRooms();
      return;
    }
    this.store.update((s) => ({ ...s, typing: typingStopped(s.typing, e.roomId, e.userId) }));
    // Leaving a room's subscription is not always leaving the room: ask the server.
    void this.loadRoomDetails(e.roomId);
  }

  // --- Notifications ------------------------------------------------------------------------

  async loadNotifications(): Promise<void> {
    try {
      const list = await this.api.notifications(50);
      this.store.update((s) => ({ ...s, notifications: mergeNotifications(s.notifications, list.notifications) }));
    } catch {
      // Shown when the next one arrives.
    }
  }

  private onNotification(n: Notification): void {
    this.store.update((s) => ({ ...s, notifications: mergeNotifications(s.notifications, [n]) }));
    const kind: ToastKind = n.type === "mention" ? "mention" : n.type === "missed_call" ? "call" : "info";
    this.toast(kind, n.title, n.message, n.roomId);
    if (n.type === "room_added") {
      void this.loadRooms();
    }
  }

  private onAnnouncement(a: AnnouncementEvent): void {
    const item: NotificationItem = {
      id: `announcement:${a.createdAt}:${newId()}`,
      type: "announcement",
      title: "Announcement",
      message: a.message,
      createdAt: a.createdAt,
      read: false,
      roomId: null,
      messageId: null,
      local: true,
    };
    this.store.update((s) => ({ ...s, notifications: [item, ...s.notifications] }));
    this.toast("announcement", "Announcement", a.message);
  }

  async markNotificationRead(id: string): Promise<void> {
    const item = this.state.notifications.find((n) => n.id === id);
    if (!item || item.read) return;
    this.store.update((s) => ({ ...s, notifications: s.notifications.map((n) => (n.id === id ? { ...n, read: true } : n)) }));
    if (!item.local) {
      const ack = await this.connection.request("notification:read", { notificationId: id });
      if (!ack.success) {
        await this.api.markNotificationRead(id).catch(() => undefined);
      }
    }
  }

  async markAllNotificationsRead(): Promise<void> {
    await Promise.all(this.state.notifications.filter((n) => !n.read).map((n) => this.markNotificationRead(n.id)));
  }

  // --- Toasts -------------------------------------------------------------------------------

  toast(kind: ToastKind, title: string, message: string, roomId?: string | null): void {
    const toast: Toast = { id: newId(), kind, title, message, roomId };
    this.store.update((s) => ({ ...s, toasts: [...s.toasts.slice(-4), toast] }));
    setTimeout(() => this.dismissToast(toast.id), kind === "error" ? 8_000 : 6_000);
  }

  dismissToast(id: string): void {
    this.store.update((s) => (s.toasts.some((t) => t.id === id) ? { ...s, toasts: s.toasts.filter((t) => t.id !== id) } : s));
  }

  // --- Helpers ------------------------------------------------------------------------------

  nameOf(userId: string): string | undefined {
    if (userId === this.me.id) return this.me.displayName || this.me.userName;
    for (const room of Object.values(this.state.rooms)) {
      const member = room.members?.find((m) => m.userId === userId);
      if (member) return member.displayName || member.userName;
    }
    for (const t of Object.values(this.state.timelines)) {
      const message = t.messages.find((m) => m.userId === userId);
      if (message) return message.userName;
    }
    return undefined;
  }

  private patchTimeline(roomId: string, update: (t: Timeline) => Timeline): void {
    this.store.update((s) => {
      const current = s.timelines[roomId] ?? emptyTimeline;
      const next = update(current);
      if (next === current || (next.messages === current.messages && next.hasMore === current.hasMore && next.loaded === current.loaded && next.loadingOlder === current.loadingOlder && next.error === current.error)) {
        return s;
      }
      return { ...s, timelines: { ...s.timelines, [roomId]: next } };
    });
  }

  private key(name: string): string {
    return `synapse.${name}.${this.session.user!.id}`;
  }

  private readJson<T>(key: string): T | null {
    try {
      const raw = this.storage?.getItem(key);
      return raw ? (JSON.parse(raw) as T) : null;
    } catch {
      return null;
    }
  }

  private saveLastRead(): void {
    try {
      this.storage?.setItem(this.key("lastRead"), JSON.stringify(this.state.lastRead));
    } catch {
      // Not persisted.
    }
  }

  /** Forgets what this device kept for the user (queued messages, last room): on sign-out. */
  clearLocalData(): void {
    for (const name of ["outbox", "activeRoom"]) {
      try {
        this.storage?.removeItem(this.key(name));
      } catch {
        // nothing kept
      }
    }
  }

  /** The room to open at start: the last one opened here. */
  lastActiveRoom(): string | null {
    return this.storage?.getItem(this.key("activeRoom")) ?? null;
  }
}

function toMember(m: { userId: string; userName: string; displayName: string }): MemberInfo {
  return { userId: m.userId, userName: m.userName, displayName: m.displayName || m.userName };
}

function mergeNotifications(existing: NotificationItem[], incoming: Notification[]): NotificationItem[] {
  const byId = new Map(existing.map((n) => [n.id, n] as const));
  for (const n of incoming) {
    byId.set(n.id, { ...byId.get(n.id), ...n });
  }
  return [...byId.values()].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : "Something went wrong.";
}

function ackText(error: { code: string; message: string }): string {
  return error.code === "DISCONNECTED" || error.code === "TIMEOUT" ? "You are offline: try again when reconnected." : error.message;
}

function isVisible(): boolean {
  return typeof document === "undefined" || document.visibilityState === "visible";
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

async function runLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await task(item);
    }
  });
  await Promise.all(workers);
}

/** Unread messages in a room: others' messages newer than the last one read. */
export function unreadCount(state: ChatState, roomId: string): { count: number; more: boolean } {
  const timeline = state.timelines[roomId];
  if (!timeline) return { count: 0, more: false };
  const lastRead = state.lastRead[roomId] ? Date.parse(state.lastRead[roomId]) : -Infinity;
  let count = 0;
  for (const m of timeline.messages) {
    if (!isLocal(m) && m.userId !== state.me.id && Date.parse(m.createdAt) > lastRead) count++;
  }
  const stored = timeline.messages.filter((m) => !isLocal(m)).length;
  return { count, more: timeline.hasMore && count > 0 && count >= stored };
}

/** How a room is named in lists and headers: a direct room by the other person. */
export function roomTitle(room: RoomEntry, me: User): string {
  if (!room.isDirect) return room.name;
  const other = room.members?.find((m) => m.userId !== me.id);
  if (other) return other.displayName || other.userName;
  const names = room.name.split(",").map((n) => n.trim());
  return names.find((n) => n.toLowerCase() !== me.userName.toLowerCase()) ?? room.name;
}

/** The other person of a direct room. */
export function directPeer(room: RoomEntry, me: User): MemberInfo | undefined {
  return room.isDirect ? room.members?.find((m) => m.userId !== me.id) : undefined;
}
