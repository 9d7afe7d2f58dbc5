import { useCallback, useMemo, useRef, useState } from "react";
import { useChat, useChatClient } from "../hooks/useChat";
import type { ChatMessage } from "../realtime/timeline";
import { directPeer, roomTitle } from "../state/chat";
import { Avatar } from "./Avatar";
import { Composer, type ComposerHandle } from "./Composer";
import { ConfirmDialog } from "./ConfirmDialog";
import { Icon } from "./Icon";
import type { MessageActions } from "./MessageItem";
import { MessageList } from "./MessageList";
import { TypingIndicator } from "./TypingIndicator";

interface Props {
  roomId: string;
  onBack: () => void;
  membersOpen: boolean;
  onToggleMembers: () => void;
}

/** The open room: header with calls and members, the messages, who is typing, the composer. */
export function Conversation({ roomId, onBack, membersOpen, onToggleMembers }: Props) {
  const client = useChatClient();
  const room = useChat((s) => s.rooms[roomId]);
  const timeline = useChat((s) => s.timelines[roomId]);
  const me = useChat((s) => s.me);
  const online = useChat((s) => s.online);
  const typists = useChat((s) => s.typing[roomId]);
  const connection = useChat((s) => s.connection.status);
  const call = useChat((s) => s.call);
  const [replyTo, setReplyTo] = useState<ChatMessage | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<ChatMessage | null>(null);
  const composer = useRef<ComposerHandle>(null);

  const title = room ? roomTitle(room, me) : "";
  const peer = room ? directPeer(room, me) : undefined;
  const members = useMemo(() => room?.members ?? [], [room?.members]);
  const onlineCount = members.filter((m) => (m.userId === me.id ? connection === "connected" : online[m.userId])).length;

  const actions: MessageActions = useMemo(
    () => ({
      react: (m, emoji) => void client.toggleReaction(m, emoji),
      reply: (m) => setReplyTo(m),
      edit: (m, content) => client.editMessage(m, content),
      remove: (m) => setConfirmDelete(m),
      retry: (m) => client.retryMessage(m),
      discard: (m) => client.discardMessage(m),
      jumpTo: (id) => {
        const el = document.getElementById(`msg-${id}`);
        if (el) {
          el.scrollIntoView({ behavior: "smooth", block: "center" });
          el.classList.add("flash");
          el.focus({ preventScroll: true });
          setTimeout(() => el.classList.remove("flash"), 1600);
        }
      },
      nameOf: (userId) => client.nameOf(userId) ?? "",
    }),
    [client],
  );

  const loadOlder = useCallback(() => void client.loadOlder(roomId), [client, roomId]);

  if (!room) {
    return (
      <section className="conversation empty-state">
        <p>This room is not available.</p>
        <button type="button" className="button secondary" onClick={onBack}>
          Back to rooms
        </button>
      </section>
    );
  }

  const inCall = call && call.phase !== "ended";
  const subtitle = peer
    ? online[peer.userId]
      ? "Online"
      : "Offline"
    : `${room.memberCount} ${room.memberCount === 1 ? "member" : "members"}${members.length ? ` · ${onlineCount} online` : ""}`;

  return (
    <section className="conversation" aria-labelledby="conversation-title">
      <header className="conversation-header">
        <button type="button" className="icon-button back-button" aria-label="Back to rooms" onClick={onBack}>
          <Icon name="back" />
        </button>
        <div className="conversation-icon" aria-hidden="true">
          {peer ? <Avatar userId={peer.userId} name={peer.displayName} size={36} online={online[peer.userId] ?? false} /> : <Icon name={room.isPrivate ? "lock" : "hash"} />}
        </div>
        <div className="conversation-titles">
          <h2 id="conversation-title">{title}</h2>
          <p className="muted">
            {room.isPrivate && !room.isDirect ? "Private · " : ""}
            {subtitle}
          </p>
        </div>
        <div className="conversation-actions">
          <button type="button" className="icon-button" data-testid="call-start-audio" aria-label="Start an audio call" title="Audio call" disabled={!!inCall || connection !== "connected" || room.memberCount < 2} onClick={() => void client.calls.start(roomId, "audio", title)}>
            <Icon name="phone" />
          </button>
          <button type="button" className="icon-button" data-testid="call-start" aria-label="Start a video call" title="Video call" disabled={!!inCall || connection !== "connected" || room.memberCount < 2} onClick={() => void client.calls.start(roomId, "video", title)}>
            <Icon name="video" />
          </button>
          <button type="button" className={`icon-button${membersOpen ? " active" : ""}`} data-testid="members-toggle" aria-label="Members" aria-pressed={membersOpen} title="Members" onClick={onToggleMembers}>
            <Icon name="users" />
          </button>
        </div>
      </header>

      <MessageList roomId={roomId} roomLabel={room.isDirect ? title : `#${title}`} timeline={timeline} me={me} isOwner={room.ownerId === me.id} online={online} connected={connection === "connected"} actions={actions} onLoadOlder={loadOlder} />

      <TypingIndicator typists={typists} />

      <Composer
        ref={composer}
        roomId={roomId}
        roomLabel={room.isDirect ? title : `#${title}`}
        members={members}
        myUserId={me.id}
        replyTo={replyTo?.roomId === roomId ? replyTo : null}
        replyName={replyTo ? (client.nameOf(replyTo.userId) ?? replyTo.userName) : ""}
        connection={connection}
        onCancelReply={() => setReplyTo(null)}
        onSend={(content) => {
          client.sendMessage(roomId, content, replyTo?.roomId === roomId ? replyTo.id : null);
          setReplyTo(null);
        }}
        onTyping={(hasText) => client.typing(roomId, hasText)}
      />

      {confirmDelete && (
        <ConfirmDialog
          title="Delete message?"
          message="It will disappear for everyone in the room. This cannot be undone."
          confirmLabel="Delete"
          danger
          // Cancelled, the dialog gives the focus back to the Delete button that opened it.
          onCancel={() => setConfirmDelete(null)}
          onConfirm={() => {
            void client.deleteMessage(confirmDelete);
            setConfirmDelete(null);
            // That button goes with its message: the message box takes the focus, once the
            // dialog has closed (closing returns the focus to the button).
            setTimeout(() => composer.current?.focus(), 0);
          }}
        />
      )}
    </section>
  );
}
