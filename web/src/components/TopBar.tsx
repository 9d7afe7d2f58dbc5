import { useEffect, useRef, useState } from "react";
import { useChat, useChatClient } from "../hooks/useChat";
import { useTheme } from "../hooks/useTheme";
import { formatShort } from "../lib/format";
import type { NotificationItem } from "../state/chat";
import { Avatar } from "./Avatar";
import { ConnectionStatus } from "./ConnectionStatus";
import { Icon, type IconName } from "./Icon";
import { Logo } from "./Logo";

/** Brand, connection status, notifications, theme and the account. */
export function TopBar({ onOpenRoom, onLogout }: { onOpenRoom: (roomId: string) => void; onLogout: () => void }) {
  const me = useChat((s) => s.me);
  const connected = useChat((s) => s.connection.status === "connected");
  const theme = useTheme();

  return (
    <header className="topbar">
      <div className="brand">
        <Logo size={28} />
        <span className="brand-name">Synapse</span>
      </div>
      <ConnectionStatus />
      <div className="topbar-actions">
        <NotificationsButton onOpenRoom={onOpenRoom} />
        <button type="button" className="icon-button" onClick={theme.cycle} aria-label={`Theme: ${theme.choice}. Change theme`} title={`Theme: ${theme.choice}`}>
          <Icon name={theme.choice === "system" ? "monitor" : theme.choice === "light" ? "sun" : "moon"} />
        </button>
        <div className="me" title={`Signed in as @${me.userName}`}>
          <Avatar userId={me.id} name={me.displayName || me.userName} size={30} online={connected} />
          <span className="me-name">{me.displayName || me.userName}</span>
        </div>
        <button type="button" className="icon-button" data-testid="logout" aria-label="Log out" title="Log out" onClick={onLogout}>
          <Icon name="logout" />
        </button>
      </div>
    </header>
  );
}

const typeIcon: Record<NotificationItem["type"], IconName> = {
  mention: "at",
  room_added: "userPlus",
  missed_call: "phone",
  announcement: "megaphone",
};

function NotificationsButton({ onOpenRoom }: { onOpenRoom: (roomId: string) => void }) {
  const client = useChatClient();
  const notifications = useChat((s) => s.notifications);
  const [open, setOpen] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const unread = notifications.filter((n) => !n.read).length;

  useEffect(() => {
    if (!open) return;
    panel.current?.querySelector<HTMLElement>("button, [tabindex='0']")?.focus();
    const onDown = (e: MouseEvent) => {
      if (!panel.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  function activate(n: NotificationItem) {
    void client.markNotificationRead(n.id);
    if (n.roomId) {
      onOpenRoom(n.roomId);
      setOpen(false);
    }
  }

  return (
    <div className="notifications">
      <button
        ref={button}
        type="button"
        className="icon-button"
        data-testid="notifications-toggle"
        aria-label={`Notifications${unread ? `, ${unread} unread` : ""}`}
        aria-expanded={open}
        aria-haspopup="dialog"
        onClick={() => setOpen((o) => !o)}
      >
        <Icon name="bell" />
        {unread > 0 && (
          <span className="badge-count" data-testid="notifications-unread" aria-hidden="true">
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </button>
      {open && (
        <div className="notifications-panel" ref={panel} role="dialog" aria-label="Notifications" data-testid="notification-list">
          <div className="panel-header">
            <h2>Notifications</h2>
            <button type="button" className="link-button" onClick={() => void client.markAllNotificationsRead()} disabled={unread === 0}>
              Mark all as read
            </button>
          </div>
          {notifications.length === 0 ? (
            <p className="muted section-empty">Nothing yet. Mentions, invitations and missed calls appear here.</p>
          ) : (
            <ul>
              {notifications.map((n) => (
                <li key={n.id}>
                  <button type="button" className={`notification${n.read ? "" : " unread"}`} data-testid="notification" data-read={n.read ? "true" : "false"} onClick={() => activate(n)}>
                    <span className={`notification-icon kind-${n.type}`} aria-hidden="true">
                      <Icon name={typeIcon[n.type] ?? "bell"} size={16} />
                    </span>
                    <span className="notification-text">
                      <strong>{n.title}</strong>
                      <span>{n.message}</span>
                      <time dateTime={n.createdAt}>{formatShort(n.createdAt)}</time>
                    </span>
                    {!n.read && <span className="unread-dot" aria-label="unread" />}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
