import type { Message, MessageUpdatedEvent, Reaction, ReactionEvent } from "../api/types";

/**
 * A room's messages as the client shows them. Everything here is pure and returns new arrays, so
 * the same message arriving twice (the `message:new` broadcast, the send ack, a `?after=` page
 * fetched after a reconnect, an older page) is shown once, and a message sent optimistically is
 * replaced in place by the stored one carrying its `clientMessageId`.
 */
export type MessageStatus = "sent" | "pending" | "failed";

export interface ChatMessage extends Message {
  status: MessageStatus;
  /** Why a failed message failed. */
  error?: string;
}

/** The key that identifies a message across its optimistic and stored forms. */
export function localId(clientMessageId: string): string {
  return `local:${clientMessageId}`;
}

/** A message as displayed before the server stored it. */
export function optimisticMessage(input: {
  clientMessageId: string;
  roomId: string;
  userId: string;
  userName: string;
  content: string;
  replyToId?: string | null;
  createdAt: string;
}): ChatMessage {
  return {
    id: localId(input.clientMessageId),
    roomId: input.roomId,
    userId: input.userId,
    userName: input.userName,
    content: input.content,
    createdAt: input.createdAt,
    editedAt: null,
    replyToId: input.replyToId ?? null,
    reactions: [],
    clientMessageId: input.clientMessageId,
    status: "pending",
  };
}

export function isLocal(message: Message): boolean {
  return message.id.startsWith("local:");
}

function toChat(message: Message | ChatMessage): ChatMessage {
  return "status" in message && message.status ? message : { ...message, status: "sent" };
}

/** Chronological order; ties by id (ids are time-ordered UUIDs); local ones after stored ones at the same instant. */
export function compareMessages(a: Message, b: Message): number {
  const ta = Date.parse(a.createdAt);
  const tb = Date.parse(b.createdAt);
  if (ta !== tb) {
    return ta - tb;
  }
  const la = isLocal(a) ? 1 : 0;
  const lb = isLocal(b) ? 1 : 0;
  if (la !== lb) {
    return la - lb;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface MergeResult {
  messages: ChatMessage[];
  /** The messages not known before (neither by id nor as an optimistic copy). */
  added: ChatMessage[];
}

/**
 * Merges incoming messages into a timeline: deduplicated by id, an optimistic copy replaced by the
 * stored message with the same `clientMessageId`, sorted. Returns the same array when nothing changed.
 */
export function mergeMessages(existing: ChatMessage[], incoming: Array<Message | ChatMessage>): MergeResult {
  if (incoming.length === 0) {
    return { messages: existing, added: [] };
  }

  const byId = new Map<string, ChatMessage>();
  for (const message of existing) {
    byId.set(message.id, message);
  }

  const added: ChatMessage[] = [];
  let changed = false;
  for (const raw of incoming) {
    const message = toChat(raw);
    const known = byId.get(message.id);
    if (known) {
      // A stored message seen again: keep the richer/newer copy (edits, reactions), not a stale page.
      if (!isLocal(message) && known !== message && isNewer(message, known)) {
        byId.set(message.id, message);
        changed = true;
      }
      continue;
    }

    if (!isLocal(message) && message.clientMessageId) {
      const optimistic = localId(message.clientMessageId);
      if (byId.has(optimistic) && byId.get(optimistic)!.userId === message.userId) {
        byId.delete(optimistic);
        byId.set(message.id, message);
        changed = true;
        continue;
      }
    }

    byId.set(message.id, message);
    added.push(message);
    changed = true;
  }

  if (!changed) {
    return { messages: existing, added };
  }
  return { messages: [...byId.values()].sort(compareMessages), added };
}

function isNewer(candidate: ChatMessage, known: ChatMessage): boolean {
  if (candidate.content !== known.content || candidate.editedAt !== known.editedAt) {
    // Prefer the later edit; a page fetched before an edit must not undo it.
    const ce = candidate.editedAt ? Date.parse(candidate.editedAt) : 0;
    const ke = known.editedAt ? Date.parse(known.editedAt) : 0;
    return ce >= ke;
  }
  return !sameReactions(candidate.reactions, known.reactions) || candidate.status !== known.status;
}

function sameReactions(a: Reaction[], b: Reaction[]): boolean {
  if (a.length !== b.length) {
    return false;
  }
  return a.every((r, i) => r.emoji === b[i].emoji && r.count === b[i].count && r.userIds.join() === b[i].userIds.join());
}

/** Applies `message:updated`. */
export function applyEdit(messages: ChatMessage[], event: MessageUpdatedEvent): ChatMessage[] {
  const index = messages.findIndex((m) => m.id === event.messageId);
  if (index < 0) {
    return messages;
  }
  const next = messages.slice();
  next[index] = { ...messages[index], content: event.content, editedAt: event.editedAt ?? new Date().toISOString() };
  return next;
}

/** Applies `message:deleted`. */
export function removeMessage(messages: ChatMessage[], messageId: string): ChatMessage[] {
  const index = messages.findIndex((m) => m.id === messageId);
  if (index < 0) {
    return messages;
  }
  return messages.slice(0, index).concat(messages.slice(index + 1));
}

/** Applies a reaction event, idempotently (the ack and the broadcast may both report it). */
export function applyReaction(messages: ChatMessage[], event: ReactionEvent, added: boolean): ChatMessage[] {
  const index = messages.findIndex((m) => m.id === event.messageId);
  if (index < 0) {
    return messages;
  }
  const message = messages[index];
  const reactions = toggleReaction(message.reactions, event.emoji, event.userId, added);
  if (reactions === message.reactions) {
    return messages;
  }
  const next = messages.slice();
  next[index] = { ...message, reactions };
  return next;
}

export function toggleReaction(reactions: Reaction[], emoji: string, userId: string, added: boolean): Reaction[] {
  const index = reactions.findIndex((r) => r.emoji === emoji);
  if (added) {
    if (index >= 0 && reactions[index].userIds.includes(userId)) {
      return reactions;
    }
    if (index < 0) {
      return [...reactions, { emoji, count: 1, userIds: [userId] }];
    }
    const userIds = [...reactions[index].userIds, userId];
    return reactions.map((r, i) => (i === index ? { emoji, count: userIds.length, userIds } : r));
  }

  if (index < 0 || !reactions[index].userIds.includes(userId)) {
    return reactions;
  }
  const userIds = reactions[index].userIds.filter((u) => u !== userId);
  return userIds.length === 0
    ? reactions.filter((_, i) => i !== index)
    : reactions.map((r, i) => (i === index ? { emoji, count: userIds.length, userIds } : r));
}

/** Sets the status of an optimistic message. */
export function setLocalStatus(messages: ChatMessage[], clientMessageId: string, status: MessageStatus, error?: string): ChatMessage[] {
  const id = localId(clientMessageId);
  const index = messages.findIndex((m) => m.id === id);
  if (index < 0 || (messages[index].status === status && messages[index].error === error)) {
    return messages;
  }
  const next = messages.slice();
  next[index] = { ...messages[index], status, error };
  return next;
}

/** The newest message the server stored: the cursor for `?after=`. */
export function newestStored(messages: ChatMessage[]): ChatMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (!isLocal(messages[i])) {
      return messages[i];
    }
  }
  return undefined;
}

/** The oldest stored message: the cursor for `?before=`. */
export function oldestStored(messages: ChatMessage[]): ChatMessage | undefined {
  return messages.find((m) => !isLocal(m));
}

/**
 * Reconciles the newest page re-read after a reconnect with what the timeline holds: edits and
 * reactions are taken from the page, and a stored message inside the page's span that the page
 * no longer has was deleted meanwhile.
 */
export function reconcileLatest(messages: ChatMessage[], newestFirstPage: Message[], hasMore: boolean): ChatMessage[] {
  if (newestFirstPage.length === 0) {
    return hasMore ? messages : messages.filter(isLocal);
  }
  const present = new Set(newestFirstPage.map((m) => m.id));
  const oldest = newestFirstPage[newestFirstPage.length - 1];
  const kept = messages.filter((m) => isLocal(m) || present.has(m.id) || (hasMore && compareMessages(m, oldest) < 0));
  return mergeMessages(kept, newestFirstPage).messages;
}
