import { useChat, useChatClient } from "../hooks/useChat";
import type { ToastKind } from "../state/chat";
import { Icon, type IconName } from "./Icon";

const icons: Record<ToastKind, IconName> = {
  info: "bell",
  mention: "at",
  announcement: "megaphone",
  error: "alert",
  call: "phone",
  success: "check",
};

/** Notifications, announcements and errors, for a few seconds. */
export function Toasts({ onOpenRoom }: { onOpenRoom: (roomId: string) => void }) {
  const client = useChatClient();
  const toasts = useChat((s) => s.toasts);
  return (
    <div className="toasts" role="region" aria-label="Notifications" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast kind-${t.kind}`} data-testid="toast" data-kind={t.kind} role={t.kind === "error" ? "alert" : "status"}>
          <span className="toast-icon" aria-hidden="true">
            <Icon name={icons[t.kind]} size={18} />
          </span>
          <div className="toast-text">
            <strong>{t.title}</strong>
            <span>{t.message}</span>
            {t.roomId && (
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  onOpenRoom(t.roomId!);
                  client.dismissToast(t.id);
                }}
              >
                Open
              </button>
            )}
          </div>
          <button type="button" className="icon-button small" aria-label="Dismiss" onClick={() => client.dismissToast(t.id)}>
            <Icon name="x" size={16} />
          </button>
        </div>
      ))}
    </div>
  );
}
