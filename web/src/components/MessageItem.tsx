import { memo, useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { User } from "../api/types";
import { formatFull, formatTime } from "../lib/format";
import { isLocal, type ChatMessage } from "../realtime/timeline";
import { Avatar } from "./Avatar";
import { Icon } from "./Icon";
import { mentions, MessageContent } from "./MessageContent";

export const QUICK_EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "🔥"];

export interface MessageActions {
  react(message: ChatMessage, emoji: string): void;
  reply(message: ChatMessage): void;
  edit(message: ChatMessage, content: string): Promise<boolean>;
  remove(message: ChatMessage): void;
  retry(message: ChatMessage): void;
  discard(message: ChatMessage): void;
  jumpTo(messageId: string): void;
  nameOf(userId: string): string;
}

interface Props {
  message: ChatMessage;
  me: User;
  grouped: boolean;
  canDelete: boolean;
  replyTo: ChatMessage | null | undefined;
  online: boolean;
  /** The connection is up (a pending message is being sent, not waiting). */
  connected: boolean;
  actions: MessageActions;
}

/** One message: author and time, reply quote, text, reactions, delivery state and actions. */
export const MessageItem = memo(function MessageItem({ message, me, grouped, canDelete, replyTo, online, connected, actions }: Props) {
  const mine = message.userId === me.id;
  const local = isLocal(message);
  const [editing, setEditing] = useState(false);
  const [picker, setPicker] = useState(false);
  const reactButton = useRef<HTMLButtonElement>(null);
  const author = mine ? me.displayName || me.userName : actions.nameOf(message.userId) || message.userName;
  const mentionsMe = !mine && mentions(message.content, me.userName);

  return (
    <li
      id={`msg-${message.id}`}
      className={`message${grouped ? " grouped" : ""}${mine ? " mine" : ""}${mentionsMe ? " mentions-me" : ""} status-${message.status}`}
      data-testid="message"
      data-message-id={message.id}
      data-status={message.status}
      tabIndex={-1}
    >
      <div className="message-gutter">
        {grouped ? (
          <time className="gutter-time" dateTime={message.createdAt} title={formatFull(message.createdAt)}>
            {formatTime(message.createdAt)}
          </time>
        ) : (
          <Avatar userId={message.userId} name={author} online={mine ? undefined : online} />
        )}
      </div>
      <div className="message-body">
        {!grouped && (
          <div className="message-meta">
            <span className="message-author">{author}</span>
            <time dateTime={message.createdAt} title={formatFull(message.createdAt)}>
              {formatTime(message.createdAt)}
            </time>
          </div>
        )}

        {message.replyToId && (
          <button type="button" className="reply-quote" onClick={() => message.replyToId && actions.jumpTo(message.replyToId)} aria-label={replyTo ? `Reply to ${replyTo.userName}: ${replyTo.content}` : "Reply to a message not shown"}>
            <Icon name="reply" size={14} />
            {replyTo ? (
              <>
                <strong>{actions.nameOf(replyTo.userId) || replyTo.userName}</strong>
                <span className="reply-text">{replyTo.content}</span>
              </>
            ) : (
              <span className="reply-text muted">Original message not loaded or deleted</span>
            )}
          </button>
        )}

        {editing ? (
          <EditBox message={message} onDone={() => setEditing(false)} onSave={(content) => actions.edit(message, content)} />
        ) : (
          <div className="message-text">
            <MessageContent content={message.content} myUserName={me.userName} />
            {message.editedAt && (
              <span className="edited" title={`Edited ${formatFull(message.editedAt)}`}>
                (edited)
              </span>
            )}
          </div>
        )}

        {message.reactions.length > 0 && (
          <div className="reactions" role="group" aria-label="Reactions">
            {message.reactions.map((r) => {
              const reacted = r.userIds.includes(me.id);
              const who = r.userIds.map((id) => (id === me.id ? "you" : actions.nameOf(id) || "someone")).join(", ");
              return (
                <button
                  key={r.emoji}
                  type="button"
                  className={`reaction${reacted ? " reacted" : ""}`}
                  data-testid="reaction"
                  data-emoji={r.emoji}
                  aria-pressed={reacted}
                  aria-label={`${r.emoji} ${r.count}: ${who}. ${reacted ? "Remove your reaction" : "React with " + r.emoji}`}
                  title={`${who} reacted with ${r.emoji}`}
                  onClick={() => actions.react(message, r.emoji)}
                >
                  <span className="reaction-emoji">{r.emoji}</span>
                  <span className="reaction-count">{r.count}</span>
                </button>
              );
            })}
          </div>
        )}

        {mine && message.status !== "sent" && (
          <div className={`delivery ${message.status}`} role={message.status === "failed" ? "alert" : undefined}>
            {message.status === "pending" ? (
              <>
                <Icon name="clock" size={14} /> {connected ? "Sending…" : "Waiting for the connection — sent when you're back"}
              </>
            ) : (
              <>
                <Icon name="alert" size={14} /> Not sent{message.error ? `: ${message.error}` : ""}
                <button type="button" className="link-button" data-testid="message-retry" onClick={() => actions.retry(message)}>
                  Retry
                </button>
                <button type="button" className="link-button" onClick={() => actions.discard(message)}>
                  Discard
                </button>
              </>
            )}
          </div>
        )}
      </div>

      {!local && !editing && (
        <div className="message-actions" role="toolbar" aria-label="Message actions">
          <div className="emoji-anchor">
            <button ref={reactButton} type="button" className="icon-button small" data-testid="message-react" aria-label="Add reaction" aria-haspopup="menu" aria-expanded={picker} onClick={() => setPicker((p) => !p)}>
              <Icon name="smile" size={18} />
            </button>
            {picker && (
              <EmojiPicker
                onPick={(emoji) => {
                  setPicker(false);
                  // Keep the focus where the keyboard user was, not lost on the page.
                  reactButton.current?.focus();
                  actions.react(message, emoji);
                }}
                onClose={(refocus) => {
                  setPicker(false);
                  if (refocus) reactButton.current?.focus();
                }}
              />
            )}
          </div>
          <button type="button" className="icon-button small" data-testid="message-reply" aria-label="Reply" onClick={() => actions.reply(message)}>
            <Icon name="reply" size={18} />
          </button>
          {mine && (
            <button type="button" className="icon-button small" data-testid="message-edit" aria-label="Edit message" onClick={() => setEditing(true)}>
              <Icon name="edit" size={18} />
            </button>
          )}
          {canDelete && (
            <button type="button" className="icon-button small danger" data-testid="message-delete" aria-label="Delete message" onClick={() => actions.remove(message)}>
              <Icon name="trash" size={18} />
            </button>
          )}
        </div>
      )}
    </li>
  );
});

function EmojiPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: (refocus: boolean) => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  // Once, on opening: the first emoji takes the focus (a re-render must not move it back there).
  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>("button")?.focus();
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) close.current(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, []);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const buttons = [...(ref.current?.querySelectorAll<HTMLButtonElement>("button") ?? [])];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === "Escape") {
      e.stopPropagation();
      onClose(true);
    } else if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      e.preventDefault();
      const next = (index + (e.key === "ArrowRight" ? 1 : buttons.length - 1)) % buttons.length;
      buttons[next]?.focus();
    }
  };

  return (
    <div className="emoji-picker" ref={ref} role="menu" aria-label="Pick a reaction" onKeyDown={onKeyDown}>
      {QUICK_EMOJI.map((emoji) => (
        <button key={emoji} type="button" role="menuitem" data-testid="emoji-option" aria-label={`React with ${emoji}`} onClick={() => onPick(emoji)}>
          {emoji}
        </button>
      ))}
    </div>
  );
}

function EditBox({ message, onSave, onDone }: { message: ChatMessage; onSave: (content: string) => Promise<boolean>; onDone: () => void }) {
  const [value, setValue] = useState(message.content);
  const [saving, setSaving] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el) {
      el.focus();
      el.setSelectionRange(el.value.length, el.value.length);
    }
  }, []);

  async function save() {
    if (!value.trim()) return;
    setSaving(true);
    const ok = await onSave(value);
    setSaving(false);
    if (ok) onDone();
  }

  return (
    <div className="edit-box">
      <textarea
        ref={ref}
        data-testid="message-edit-input"
        aria-label="Edit message"
        value={value}
        rows={Math.min(6, value.split("\n").length)}
        maxLength={4000}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            void save();
          } else if (e.key === "Escape") {
            e.preventDefault();
            onDone();
          }
        }}
      />
      <div className="edit-actions">
        <span className="muted">Enter to save · Esc to cancel</span>
        <button type="button" className="button secondary small" onClick={onDone}>
          Cancel
        </button>
        <button type="button" className="button primary small" data-testid="message-edit-save" onClick={() => void save()} disabled={saving || !value.trim()}>
          Save
        </button>
      </div>
    </div>
  );
}
