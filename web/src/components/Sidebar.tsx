import { useId, useMemo, useState, type FormEvent, type ReactNode } from "react";
import { useChat, useChatClient } from "../hooks/useChat";
import { formatShort } from "../lib/format";
import { newestStored } from "../realtime/timeline";
import { directPeer, roomTitle, unreadCount, type ChatState, type RoomEntry } from "../state/chat";
import { Avatar } from "./Avatar";
import { Icon } from "./Icon";
import { UserSearch } from "./UserSearch";

/** Rooms, direct conversations and public rooms to join, with unread counts and the last message. */
export function Sidebar({ activeRoomId, onOpen }: { activeRoomId: string | null; onOpen: (roomId: string) => void }) {
  const client = useChatClient();
  const rooms = useChat((s) => s.rooms);
  const roomsLoaded = useChat((s) => s.roomsLoaded);
  const me = useChat((s) => s.me);
  const [refreshing, setRefreshing] = useState(false);

  const groups = useMemo(() => {
    const all = Object.values(rooms);
    const byName = (a: RoomEntry, b: RoomEntry) => roomTitle(a, me).localeCompare(roomTitle(b, me));
    return {
      rooms: all.filter((r) => r.isMember && !r.isDirect).sort(byName),
      direct: all.filter((r) => r.isMember && r.isDirect).sort(byName),
      browse: all.filter((r) => !r.isMember && !r.isPrivate).sort(byName),
    };
  }, [rooms, me]);

  async function refresh() {
    setRefreshing(true);
    await client.loadRooms();
    setRefreshing(false);
  }

  return (
    <nav className="sidebar" aria-label="Rooms and conversations">
      <div className="sidebar-search">
        <UserSearch label="Find people to message" placeholder="Find people…" testId="user-search" onPick={(user) => void client.openDirect(user).then((roomId) => roomId && onOpen(roomId))} />
      </div>

      <div className="room-list" data-testid="room-list">
        <RoomSection title="Rooms" action={
          <button type="button" className="icon-button small" data-testid="rooms-refresh" aria-label="Refresh the room list" title="Refresh" onClick={() => void refresh()} disabled={refreshing}>
            <Icon name="refresh" size={16} className={refreshing ? "spin" : undefined} />
          </button>
        }>
          {groups.rooms.length === 0 && roomsLoaded && <p className="section-empty muted">No rooms yet: create one below.</p>}
          {!roomsLoaded && <p className="section-empty muted">Loading…</p>}
          {groups.rooms.map((room) => (
            <RoomItem key={room.id} room={room} active={room.id === activeRoomId} onOpen={onOpen} />
          ))}
        </RoomSection>

        <RoomSection title="Direct messages">
          {groups.direct.length === 0 && roomsLoaded && <p className="section-empty muted">Find someone above to start a conversation.</p>}
          {groups.direct.map((room) => (
            <RoomItem key={room.id} room={room} active={room.id === activeRoomId} onOpen={onOpen} />
          ))}
        </RoomSection>

        {groups.browse.length > 0 && (
          <RoomSection title="Public rooms to join">
            {groups.browse.map((room) => (
              <RoomItem key={room.id} room={room} active={room.id === activeRoomId} onOpen={onOpen} />
            ))}
          </RoomSection>
        )}
      </div>

      <NewRoomForm onCreated={onOpen} />
    </nav>
  );
}

function RoomSection({ title, action, children }: { title: string; action?: ReactNode; children: ReactNode }) {
  const id = useId();
  return (
    <section className="room-section" aria-labelledby={id}>
      <div className="room-section-header">
        <h2 id={id}>{title}</h2>
        {action}
      </div>
      <ul>{children}</ul>
    </section>
  );
}

const selectUnreadInputs = (s: ChatState) => s;

function RoomItem({ room, active, onOpen }: { room: RoomEntry; active: boolean; onOpen: (roomId: string) => void }) {
  const state = useChat(selectUnreadInputs);
  const me = state.me;
  const timeline = state.timelines[room.id];
  const last = timeline ? newestStored(timeline.messages) : undefined;
  const unread = room.isMember && !active ? unreadCount(state, room.id) : { count: 0, more: false };
  const peer = directPeer(room, me);
  const title = roomTitle(room, me);
  const typing = state.typing[room.id]?.length ?? 0;
  const lastAuthor = last ? (last.userId === me.id ? "You" : (state.rooms[room.id]?.members?.find((m) => m.userId === last.userId)?.displayName ?? last.userName)) : "";
  const preview = typing > 0 ? "typing…" : last ? (room.isDirect && last.userId !== me.id ? last.content : `${lastAuthor}: ${last.content}`) : room.isMember ? "No messages yet" : `${room.memberCount} ${room.memberCount === 1 ? "member" : "members"} · Join`;
  const unreadLabel = unread.count > 0 ? `, ${unread.count}${unread.more ? "+" : ""} unread` : "";

  return (
    <li>
      <button
        type="button"
        className={`room-item${active ? " active" : ""}${unread.count > 0 ? " unread" : ""}`}
        data-testid="room-item"
        data-room-id={room.id}
        aria-current={active ? "page" : undefined}
        aria-label={`${title}${room.isPrivate && !room.isDirect ? " (private)" : ""}${unreadLabel}`}
        onClick={() => onOpen(room.id)}
      >
        <span className="room-icon" aria-hidden="true">
          {peer ? <Avatar userId={peer.userId} name={peer.displayName} size={34} online={state.online[peer.userId] ?? false} /> : <Icon name={room.isPrivate ? "lock" : room.isMember ? "hash" : "globe"} size={18} />}
        </span>
        <span className="room-text">
          <span className="room-name-row">
            <span className="room-name">{title}</span>
            {last && <time dateTime={last.createdAt}>{formatShort(last.createdAt)}</time>}
          </span>
          <span className="room-preview-row">
            <span className={`room-preview${typing > 0 ? " typing" : ""}`}>{preview}</span>
            {unread.count > 0 && (
              <span className="unread-badge" data-testid="unread-count" aria-hidden="true">
                {unread.count > 99 ? "99+" : `${unread.count}${unread.more ? "+" : ""}`}
              </span>
            )}
          </span>
        </span>
      </button>
    </li>
  );
}

function NewRoomForm({ onCreated }: { onCreated: (roomId: string) => void }) {
  const client = useChatClient();
  const [name, setName] = useState("");
  const [isPrivate, setPrivate] = useState(false);
  const [busy, setBusy] = useState(false);
  const nameId = useId();
  const privateId = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim() || busy) return;
    setBusy(true);
    const room = await client.createRoom(name, isPrivate);
    setBusy(false);
    if (room) {
      setName("");
      setPrivate(false);
      onCreated(room.id);
    }
  }

  return (
    <form className="new-room" onSubmit={submit} aria-label="Create a room">
      <label htmlFor={nameId} className="visually-hidden">
        New room name
      </label>
      <div className="new-room-row">
        <input id={nameId} data-testid="new-room-name" placeholder="New room name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
        <button type="submit" className="button primary small" data-testid="new-room-create" disabled={!name.trim() || busy} aria-label={isPrivate ? "Create private room" : "Create public room"}>
          <Icon name="plus" size={16} /> Create
        </button>
      </div>
      <label className="checkbox" htmlFor={privateId}>
        <input id={privateId} type="checkbox" data-testid="new-room-private" checked={isPrivate} onChange={(e) => setPrivate(e.target.checked)} />
        Private room <span className="muted">(invite only)</span>
      </label>
    </form>
  );
}
