import { ApiError } from "../api/client";
import type { Message, MessagePage } from "../api/types";
import { mergeMessages, newestStored, reconcileLatest, type ChatMessage } from "./timeline";

export interface HistorySource {
  messages(roomId: string, page: { before?: string; after?: string; limit?: number }): Promise<MessagePage>;
}

export interface CatchUpResult {
  messages: ChatMessage[];
  /** Messages that were not in the timeline (what was missed). */
  added: ChatMessage[];
}

/**
 * After a reconnection: what a room received while this client was away. Reads `?after=` the
 * newest stored message page by page (bounded), then re-reads the newest page to pick up edits,
 * reactions and deletions of recent messages; merges both without duplicates. When the cursor
 * message was deleted meanwhile (404), the newest page alone is used.
 */
export async function catchUp(api: HistorySource, roomId: string, timeline: ChatMessage[], options: { pageSize?: number; maxPages?: number } = {}): Promise<CatchUpResult> {
  const pageSize = options.pageSize ?? 100;
  const maxPages = options.maxPages ?? 10;
  const cursor = newestStored(timeline);
  const fetched: Message[] = [];

  if (cursor) {
    let after = cursor.id;
    try {
      for (let page = 0; page < maxPages; page++) {
        const result = await api.messages(roomId, { after, limit: pageSize });
        fetched.push(...result.messages);
        if (!result.hasMore || result.messages.length === 0) {
          break;
        }
        after = result.messages[result.messages.length - 1].id;
      }
    } catch (error) {
      if (!(error instanceof ApiError && (error.status === 404 || error.status === 400))) {
        throw error;
      }
    }
  }

  const merged = mergeMessages(timeline, fetched);
  const latest = await api.messages(roomId, { limit: 50 });
  const reconciled = reconcileLatest(merged.messages, latest.messages, latest.hasMore);
  const known = new Set(timeline.map((m) => m.id));
  const added = reconciled.filter((m) => !known.has(m.id) && !(m.clientMessageId && known.has(`local:${m.clientMessageId}`)));
  return { messages: reconciled, added };
}
