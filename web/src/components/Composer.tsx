import { forwardRef, useEffect, useId, useImperativeHandle, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { ConnectionStatus } from "../realtime/connection";
import type { ChatMessage } from "../realtime/timeline";
import type { MemberInfo } from "../state/chat";
import { Avatar } from "./Avatar";
import { Icon } from "./Icon";

interface Props {
  roomId: string;
  roomLabel: string;
  members: MemberInfo[];
  myUserId: string;
  replyTo: ChatMessage | null;
  replyName: string;
  connection: ConnectionStatus;
  onCancelReply: () => void;
  onSend: (content: string) => void;
  onTyping: (hasText: boolean) => void;
}

export interface ComposerHandle {
  focus(): void;
}

const MAX = 4000;

/**
 * The message box: Enter sends, Shift+Enter starts a new line; `@` suggests the room's members
 * (arrows, Enter or Tab to pick, Esc to close); a draft is kept per room while you switch.
 */
export const Composer = forwardRef<ComposerHandle, Props>(function Composer(props, ref) {
  const { roomId, roomLabel, members, myUserId, replyTo, replyName, connection, onCancelReply, onSend, onTyping } = props;
  const drafts = useRef(new Map<string, string>());
  const [value, setValue] = useState("");
  const [mention, setMention] = useState<{ start: number; query: string } | null>(null);
  const [highlight, setHighlight] = useState(0);
  const input = useRef<HTMLTextAreaElement>(null);
  const listId = useId();
  const hintId = useId();

  useImperativeHandle(ref, () => ({ focus: () => input.current?.focus() }), []);

  // Per-room drafts.
  useEffect(() => {
    setValue(drafts.current.get(roomId) ?? "");
    setMention(null);
    input.current?.focus();
  }, [roomId]);

  useEffect(() => {
    if (replyTo) input.current?.focus();
  }, [replyTo]);

  // Grow with the text, up to a limit.
  useEffect(() => {
    const el = input.current;
    if (el) {
      el.style.height = "auto";
      el.style.height = `${Math.min(el.scrollHeight, 180)}px`;
    }
  }, [value]);

  const suggestions = useMemo(() => {
    if (!mention) return [];
    const q = mention.query.toLowerCase();
    return members
      .filter((m) => m.userId !== myUserId && (m.userName.toLowerCase().startsWith(q) || m.displayName.toLowerCase().startsWith(q)))
      .slice(0, 6);
  }, [mention, members, myUserId]);

  function update(next: string, caret: number) {
    setValue(next);
    drafts.current.set(roomId, next);
    onTyping(next.trim().length > 0);
    const before = next.slice(0, caret);
    const match = /(^|[^A-Za-z0-9_.\-@])@([A-Za-z0-9_.\-]{0,32})$/.exec(before);
    if (match) {
      setMention({ start: caret - match[2].length - 1, query: match[2] });
      setHighlight(0);
    } else {
      setMention(null);
    }
  }

  function pick(member: MemberInfo) {
    if (!mention) return;
    const caret = input.current?.selectionStart ?? value.length;
    const next = `${value.slice(0, mention.start)}@${member.userName} ${value.slice(caret)}`;
    const position = mention.start + member.userName.length + 2;
    setValue(next);
    drafts.current.set(roomId, next);
    setMention(null);
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(position, position);
    });
  }

  function send() {
    const text = value.trim();
    if (!text || text.length > MAX) return;
    onSend(text);
    setValue("");
    drafts.current.delete(roomId);
    setMention(null);
    input.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (mention && suggestions.length > 0) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        setHighlight((h) => (h + (e.key === "ArrowDown" ? 1 : suggestions.length - 1)) % suggestions.length);
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        pick(suggestions[highlight]);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        setMention(null);
        return;
      }
    }
    if (e.key === "Escape" && replyTo) {
      e.preventDefault();
      onCancelReply();
      return;
    }
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  }

  const tooLong = value.length > MAX;
  const placeholder = connection === "connected" ? `Message ${roomLabel}` : `Message ${roomLabel} — sent when you're back online`;

  return (
    <div className="composer">
      {replyTo && (
        <div className="reply-preview">
          <Icon name="reply" size={16} />
          <span>
            Replying to <strong>{replyName}</strong>: <span className="reply-text">{replyTo.content}</span>
          </span>
          <button type="button" className="icon-button small" aria-label="Cancel reply" onClick={onCancelReply}>
            <Icon name="x" size={16} />
          </button>
        </div>
      )}
      {mention && suggestions.length > 0 && (
        <ul className="mention-suggestions" id={listId} role="listbox" aria-label="Mention someone">
          {suggestions.map((m, i) => (
            <li
              key={m.userId}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === highlight}
              className={i === highlight ? "active" : ""}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(m);
              }}
            >
              <Avatar userId={m.userId} name={m.displayName} size={24} />
              <span>{m.displayName}</span>
              <span className="muted">@{m.userName}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        <textarea
          ref={input}
          data-testid="message-input"
          className="composer-input"
          aria-label={`Message ${roomLabel}`}
          aria-describedby={hintId}
          aria-autocomplete="list"
          aria-controls={mention && suggestions.length > 0 ? listId : undefined}
          aria-activedescendant={mention && suggestions.length > 0 ? `${listId}-${highlight}` : undefined}
          aria-invalid={tooLong || undefined}
          placeholder={placeholder}
          rows={1}
          value={value}
          onChange={(e) => update(e.target.value, e.target.selectionStart)}
          onKeyDown={onKeyDown}
          onBlur={() => setTimeout(() => setMention(null), 150)}
        />
        <button type="button" className="send-button" data-testid="message-send" aria-label="Send message" onClick={send} disabled={!value.trim() || tooLong}>
          <Icon name="send" size={20} />
        </button>
      </div>
      <p id={hintId} className={`composer-hint${tooLong ? " error" : ""}`}>
        {tooLong ? `${value.length - MAX} characters over the limit of ${MAX}.` : "Enter to send · Shift+Enter for a new line · @ to mention"}
      </p>
    </div>
  );
});
