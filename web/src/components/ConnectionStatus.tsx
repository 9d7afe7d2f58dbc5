import { useChat } from "../hooks/useChat";
import { describeConnection } from "../realtime/connection";
import { Icon } from "./Icon";

/** Always visible: connected, reconnecting (with the attempt), offline; and what waits to be sent. */
export function ConnectionStatus() {
  const connection = useChat((s) => s.connection);
  const queued = useChat((s) => s.queued);
  const label = describeConnection(connection);
  return (
    <div className={`connection-status ${connection.status}`} data-testid="connection-status" data-state={connection.status} role="status" aria-live="polite" title={label}>
      {connection.status === "offline" ? <Icon name="wifiOff" size={14} /> : <span className="status-dot" aria-hidden="true" />}
      <span className="connection-label">{label}</span>
      {queued > 0 && <span className="queued">· {queued} waiting to send</span>}
    </div>
  );
}
