/**
 * The connection status shown at all times: `connected`; `reconnecting` (with the attempt number)
 * while the client retries; `offline` when the browser has no network, or when the client stopped
 * trying (signed out, or the server refused a session that could not be refreshed).
 */
export type ConnectionStatus = "connected" | "reconnecting" | "offline";

export interface ConnectionState {
  status: ConnectionStatus;
  /** The reconnection attempt in progress (0: the first connection). */
  attempt: number;
  /** The browser reports a network. */
  networkOnline: boolean;
  /** The socket is connected. */
  socketConnected: boolean;
  /** The client stopped trying (refused and not refreshable, or closed). */
  stopped: boolean;
  /** Ever connected: the next connection is a reconnection. */
  everConnected: boolean;
}

export type ConnectionEvent =
  | { type: "connect" }
  | { type: "disconnect"; reason: string }
  | { type: "reconnect_attempt"; attempt: number }
  | { type: "network"; online: boolean }
  | { type: "stopped" }
  | { type: "connecting" };

export function initialConnection(networkOnline = true): ConnectionState {
  return derive({ status: "reconnecting", attempt: 0, networkOnline, socketConnected: false, stopped: false, everConnected: false });
}

export function reduceConnection(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  switch (event.type) {
    case "connect":
      return derive({ ...state, socketConnected: true, attempt: 0, stopped: false, everConnected: true });
    case "disconnect":
      return derive({
        ...state,
        socketConnected: false,
        // "io client disconnect": closed on purpose (sign-out); socket.io does not retry it.
        stopped: event.reason === "io client disconnect",
      });
    case "reconnect_attempt":
      return derive({ ...state, attempt: event.attempt, stopped: false });
    case "network":
      return derive({ ...state, networkOnline: event.online });
    case "stopped":
      return derive({ ...state, socketConnected: false, stopped: true });
    case "connecting":
      return derive({ ...state, stopped: false });
  }
}

function derive(state: ConnectionState): ConnectionState {
  const status: ConnectionStatus = state.socketConnected
    ? "connected"
    : !state.networkOnline || state.stopped
      ? "offline"
      : "reconnecting";
  return status === state.status ? state : { ...state, status };
}

/** The status as words, for the status pill and screen readers. */
export function describeConnection(state: ConnectionState): string {
  switch (state.status) {
    case "connected":
      return "Connected";
    case "reconnecting":
      if (!state.everConnected && state.attempt === 0) {
        return "Connecting…";
      }
      return state.attempt > 0 ? `Reconnecting… (attempt ${state.attempt})` : "Reconnecting…";
    case "offline":
      return state.networkOnline ? "Offline" : "Offline — no network";
  }
}
