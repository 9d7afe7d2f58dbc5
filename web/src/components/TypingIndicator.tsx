import { describeTyping, type Typist } from "../realtime/typing";

const none: Typist[] = [];

/** "Alice is typing…" for the room; empty (but present, so the layout does not jump) otherwise. */
export function TypingIndicator({ typists = none }: { typists?: Typist[] }) {
  const text = describeTyping(typists.map((t) => t.userName));
  return (
    <div className="typing-indicator" data-testid="typing-indicator" data-active={text ? "true" : "false"} aria-live="polite">
      {text && (
        <>
          <span className="typing-dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {text}
        </>
      )}
    </div>
  );
}
