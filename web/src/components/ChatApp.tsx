import { useCallback, useEffect, useState } from "react";
import type { ApiClient } from "../api/client";
import type { AuthSession } from "../auth/session";
import { ChatContext, useChat } from "../hooks/useChat";
import { useHashRoom } from "../hooks/useHashRoom";
import { useMediaQuery } from "../hooks/useMediaQuery";
import { ChatClient, unreadCount } from "../state/chat";
import { CallPanel } from "./CallPanel";
import { Conversation } from "./Conversation";
import { Icon } from "./Icon";
import { MemberPanel } from "./MemberPanel";
import { Sidebar } from "./Sidebar";
import { Toasts } from "./Toasts";
import { TopBar } from "./TopBar";

/** The signed-in application: creates the chat client for the session and lays out the screen. */
export function ChatApp({ api, session }: { api: ApiClient; session: AuthSession }) {
  const [client, setClient] = useState<ChatClient | null>(null);

  useEffect(() => {
    const created = new ChatClient(api, session);
    setClient(created);
    void created.start();
    return () => created.dispose();
  }, [api, session]);

  if (!client) {
    return <div className="app-loading" role="status">Loading…</div>;
  }

  return (
    <ChatContext.Provider value={client}>
      <Layout
        client={client}
        onLogout={() => {
          client.clearLocalData();
          void session.logout();
        }}
      />
    </ChatContext.Provider>
  );
}

function Layout({ client, onLogout }: { client: ChatClient; onLogout: () => void }) {
  const [roomId, navigate] = useHashRoom();
  const roomsLoaded = useChat((s) => s.roomsLoaded);
  const roomExists = useChat((s) => (roomId ? !!s.rooms[roomId] : false));
  const phone = useMediaQuery("(max-width: 760px)");
  const wide = useMediaQuery("(min-width: 1180px)");
  const [membersOpen, setMembersOpen] = useState<boolean | null>(null);
  const showMembers = membersOpen ?? wide;

  // The room in the URL is the open room.
  useEffect(() => {
    if (roomsLoaded && (roomExists || !roomId)) {
      void client.openRoom(roomId);
    }
  }, [client, roomId, roomsLoaded, roomExists]);

  // At start, on a large screen, reopen the last room (or the first one).
  useEffect(() => {
    if (!roomsLoaded || roomId || phone) return;
    const rooms = client.state.rooms;
    const last = client.lastActiveRoom();
    const pick = last && rooms[last]?.isMember ? last : Object.values(rooms).find((r) => r.isMember)?.id;
    if (pick) navigate(pick);
    // Only once the rooms are known.
  }, [roomsLoaded]);

  useUnreadTitle();

  const open = useCallback((id: string) => navigate(id), [navigate]);
  const back = useCallback(() => navigate(null), [navigate]);

  return (
    <div className={`app${roomId ? " has-room" : ""}${showMembers && roomId ? " with-members" : ""}`}>
      <a className="skip-link" href="#composer-anchor" onClick={(e) => { e.preventDefault(); document.querySelector<HTMLElement>("[data-testid=message-input]")?.focus(); }}>
        Skip to the message box
      </a>
      <TopBar onOpenRoom={open} onLogout={onLogout} />
      <div className="layout">
        <Sidebar activeRoomId={roomId} onOpen={open} />
        <main className="main" id="main">
          {roomId && roomExists ? (
            <Conversation roomId={roomId} onBack={back} membersOpen={showMembers} onToggleMembers={() => setMembersOpen(!showMembers)} />
          ) : (
            <div className="empty-state">
              <div className="empty-icon">
                <Icon name="message" size={32} />
              </div>
              <h2>{roomId && roomsLoaded ? "This room is not available" : "Pick a conversation"}</h2>
              <p className="muted">Choose a room on the left, create one, or find someone to message.</p>
            </div>
          )}
        </main>
        {roomId && roomExists && showMembers && <MemberPanel roomId={roomId} onClose={() => setMembersOpen(false)} onLeft={back} />}
      </div>
      <CallPanel onOpenRoom={open} />
      <Toasts onOpenRoom={open} />
    </div>
  );
}

/** "(3) Synapse" while messages wait unread. */
function useUnreadTitle() {
  const total = useChat((s) => {
    let sum = 0;
    for (const room of Object.values(s.rooms)) {
      if (room.isMember && room.id !== s.activeRoomId) sum += unreadCount(s, room.id).count;
    }
    return sum;
  });
  useEffect(() => {
    document.title = total > 0 ? `(${total}) Synapse` : "Synapse";
  }, [total]);
}
