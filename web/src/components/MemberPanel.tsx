import { useState } from "react";
import { useChat, useChatClient } from "../hooks/useChat";
import { Avatar } from "./Avatar";
import { ConfirmDialog } from "./ConfirmDialog";
import { Icon } from "./Icon";
import { UserSearch } from "./UserSearch";

/** Who is in the room and who is online; the owner adds people; others may leave. */
export function MemberPanel({ roomId, onClose, onLeft }: { roomId: string; onClose: () => void; onLeft: () => void }) {
  const client = useChatClient();
  const room = useChat((s) => s.rooms[roomId]);
  const online = useChat((s) => s.online);
  const me = useChat((s) => s.me);
  const connected = useChat((s) => s.connection.status === "connected");
  const [adding, setAdding] = useState(false);
  const [leaving, setLeaving] = useState(false);

  if (!room) return null;
  const isOnline = (userId: string) => (userId === me.id ? connected : (online[userId] ?? false));
  const members = [...(room.members ?? [])].sort((a, b) => Number(isOnline(b.userId)) - Number(isOnline(a.userId)) || a.displayName.localeCompare(b.displayName));
  const onlineCount = members.filter((m) => isOnline(m.userId)).length;
  const owner = room.ownerId === me.id;

  return (
    <aside className="member-panel" aria-labelledby="members-title">
      <header className="panel-header">
        <h2 id="members-title">
          Members <span className="muted">· {onlineCount} online</span>
        </h2>
        <button type="button" className="icon-button small" aria-label="Close the member list" onClick={onClose}>
          <Icon name="x" size={18} />
        </button>
      </header>

      {owner && !room.isDirect && (
        <div className="panel-block">
          {adding ? (
            <UserSearch label="Add someone to the room" placeholder="Add people…" testId="member-add-search" autoFocus exclude={members.map((m) => m.userId)} onPick={(user) => void client.addMember(roomId, user).then((ok) => ok && setAdding(false))} />
          ) : (
            <button type="button" className="button secondary small full" data-testid="member-add" onClick={() => setAdding(true)}>
              <Icon name="userPlus" size={16} /> Add people
            </button>
          )}
        </div>
      )}

      <ul className="member-list" data-testid="member-list" aria-label={`Members of ${room.name}`}>
        {room.members === null && <li className="muted section-empty">Loading members…</li>}
        {members.map((m) => {
          const on = isOnline(m.userId);
          return (
            <li key={m.userId} className={`member${on ? " online" : ""}`} data-testid="member" data-user-id={m.userId} data-online={on ? "true" : "false"}>
              <Avatar userId={m.userId} name={m.displayName} size={32} online={on} />
              <span className="member-names">
                <span className="member-name">
                  <span className="truncate">{m.displayName}</span>
                  {m.userId === me.id && <span className="muted you">(you)</span>}
                </span>
                <span className="muted member-handle">
                  @{m.userName}
                  {room.ownerId === m.userId && <span className="owner"> · owner</span>}
                </span>
              </span>
              <span className="visually-hidden">{on ? "online" : "offline"}</span>
            </li>
          );
        })}
      </ul>

      {!owner && !room.isDirect && (
        <div className="panel-block">
          <button type="button" className="button secondary small full" onClick={() => setLeaving(true)}>
            <Icon name="logout" size={16} /> Leave room
          </button>
        </div>
      )}

      {leaving && (
        <ConfirmDialog
          title={`Leave ${room.name}?`}
          message={room.isPrivate ? "You will need to be added again to come back." : "You can join again from the public rooms."}
          confirmLabel="Leave"
          danger
          onCancel={() => setLeaving(false)}
          onConfirm={() => {
            setLeaving(false);
            void client.leaveRoom(roomId).then(onLeft);
          }}
        />
      )}
    </aside>
  );
}
