import { Fragment, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { User } from "../api/types";
import { dayKey, formatDay } from "../lib/format";
import type { ChatMessage } from "../realtime/timeline";
import type { Timeline } from "../state/chat";
import { Icon } from "./Icon";
import { MessageItem, type MessageActions } from "./MessageItem";

interface Props {
  roomId: string;
  roomLabel: string;
  timeline: Timeline | undefined;
  me: User;
  isOwner: boolean;
  online: Record<string, boolean>;
  connected: boolean;
  actions: MessageActions;
  onLoadOlder: () => void;
}

const GROUP_WINDOW_MS = 5 * 60_000;
const NEAR_BOTTOM_PX = 120;

/**
 * The conversation: day separators, messages grouped by author, older pages loaded when scrolled
 * to the top (keeping the view where it was), kept at the bottom as messages arrive unless the
 * reader scrolled up — then a "new messages" button offers to jump down.
 */
export function MessageList({ roomId, roomLabel, timeline, me, isOwner, online, connected, actions, onLoadOlder }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const previous = useRef<{ roomId: string; first?: string; last?: string; height: number; count: number }>({ roomId: "", height: 0, count: 0 });
  const [unseen, setUnseen] = useState(0);
  const messages = useMemo(() => timeline?.messages ?? [], [timeline?.messages]);
  const byId = useMemo(() => new Map(messages.map((m) => [m.id, m] as const)), [messages]);

  // Keep the position: at the bottom for new messages, in place when older ones are prepended.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const prev = previous.current;
    const first = messages[0]?.id;
    const last = messages[messages.length - 1]?.id;
    if (prev.roomId !== roomId) {
      el.scrollTop = el.scrollHeight;
      atBottom.current = true;
      setUnseen(0);
    } else if (first !== prev.first && last === prev.last && messages.length > prev.count) {
      el.scrollTop += el.scrollHeight - prev.height;
    } else if (last !== prev.last) {
      const newest = messages[messages.length - 1];
      if (atBottom.current || newest?.userId === me.id) {
        el.scrollTop = el.scrollHeight;
        setUnseen(0);
      } else if (messages.length > prev.count) {
        setUnseen((n) => n + (messages.length - prev.count));
      }
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    previous.current = { roomId, first, last, height: el.scrollHeight, count: messages.length };
  }, [messages, roomId, me.id]);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    if (atBottom.current) setUnseen(0);
    if (el.scrollTop < 200 && timeline?.hasMore && !timeline.loadingOlder) {
      onLoadOlder();
    }
  }, [timeline?.hasMore, timeline?.loadingOlder, onLoadOlder]);

  // A short history that does not fill the view cannot be scrolled: load more at once.
  useEffect(() => {
    const el = scroller.current;
    if (el && timeline?.loaded && timeline.hasMore && !timeline.loadingOlder && el.scrollHeight <= el.clientHeight + 40) {
      onLoadOlder();
    }
  }, [timeline?.loaded, timeline?.hasMore, timeline?.loadingOlder, messages.length, onLoadOlder]);

  const jumpToBottom = () => {
    const el = scroller.current;
    if (el) el.scrollTo({ top: el.scrollHeight, behavior: "smooth" });
    setUnseen(0);
  };

  return (
    <div className="message-scroller" ref={scroller} onScroll={onScroll}>
      {timeline?.loadingOlder && (
        <div className="history-loading" role="status">
          Loading older messages…
        </div>
      )}
      {timeline?.loaded && !timeline.hasMore && (
        <div className="history-start">
          <div className="history-start-icon">
            <Icon name="message" size={22} />
          </div>
          <p>
            This is the beginning of <strong>{roomLabel}</strong>.
          </p>
        </div>
      )}
      {!timeline?.loaded && !timeline?.error && (
        <div className="history-loading" role="status">
          Loading messages…
        </div>
      )}
      {timeline?.error && !timeline.loaded && (
        <div className="history-loading error" role="alert">
          {timeline.error}
        </div>
      )}

      <ol className="message-list" data-testid="message-list" role="log" aria-live="polite" aria-relevant="additions" aria-label={`Messages in ${roomLabel}`}>
        {messages.map((message, i) => {
          const prev: ChatMessage | undefined = messages[i - 1];
          const newDay = !prev || dayKey(prev.createdAt) !== dayKey(message.createdAt);
          const grouped =
            !newDay &&
            !!prev &&
            prev.userId === message.userId &&
            !message.replyToId &&
            Date.parse(message.createdAt) - Date.parse(prev.createdAt) < GROUP_WINDOW_MS;
          return (
            <Fragment key={message.clientMessageId && message.userId === me.id ? `c:${message.clientMessageId}` : message.id}>
              {newDay && (
                <li className="day-separator" role="separator" aria-label={formatDay(message.createdAt)}>
                  <span>{formatDay(message.createdAt)}</span>
                </li>
              )}
              <MessageItem
                message={message}
                me={me}
                grouped={grouped}
                canDelete={message.userId === me.id || isOwner}
                replyTo={message.replyToId ? (byId.get(message.replyToId) ?? null) : undefined}
                online={online[message.userId] ?? false}
                connected={connected}
                actions={actions}
              />
            </Fragment>
          );
        })}
      </ol>

      {unseen > 0 && (
        <button type="button" className="jump-latest" onClick={jumpToBottom}>
          <Icon name="down" size={16} /> {unseen} new {unseen === 1 ? "message" : "messages"}
        </button>
      )}
    </div>
  );
}
