import { useEffect, useRef, useState } from "react";
import { useChat, useChatClient } from "../hooks/useChat";
import { formatDuration } from "../lib/format";
import type { CallView } from "../realtime/calls";
import { Avatar } from "./Avatar";
import { Icon } from "./Icon";

/** The state the tests (and screen readers) see: ringing, connected or ended. */
function publicState(call: CallView): "ringing" | "connected" | "ended" {
  return call.phase === "connected" ? "connected" : call.phase === "ended" ? "ended" : "ringing";
}

const endedText: Record<NonNullable<CallView["endedReason"]>, string> = {
  ended: "Call ended",
  rejected: "Call declined",
  unanswered: "No answer",
  disconnected: "Call ended: the other side disconnected",
  failed: "Call failed",
};

/** The incoming-call dialog, or the call in progress (videos, mute, camera, hang up). */
export function CallPanel({ onOpenRoom }: { onOpenRoom: (roomId: string) => void }) {
  const client = useChatClient();
  const call = useChat((s) => s.call);
  const room = useChat((s) => (call ? s.rooms[call.roomId] : undefined));
  const acceptRef = useRef<HTMLButtonElement>(null);
  const [, tick] = useState(0);

  useEffect(() => {
    if (call?.phase !== "connected") return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [call?.phase]);

  useEffect(() => {
    if (call?.direction === "incoming" && call.phase === "ringing") acceptRef.current?.focus();
  }, [call?.direction, call?.phase, call?.callId]);

  if (!call) return null;
  const state = publicState(call);
  const where = room && !room.isDirect ? ` in #${room.name}` : "";

  if (call.direction === "incoming" && call.phase === "ringing") {
    return (
      <div className="call-incoming" role="alertdialog" aria-labelledby="incoming-title" aria-describedby="incoming-desc" data-testid="call-incoming">
        <div className="call-status-line" data-testid="call-status" data-state={state} data-phase={call.phase}>
          <span className="ring-pulse" aria-hidden="true">
            <Avatar userId={call.peerUserId ?? call.callId} name={call.peerName} size={56} />
          </span>
          <div>
            <h2 id="incoming-title">{call.peerName}</h2>
            <p id="incoming-desc" className="muted">
              Incoming {call.kind} call{where}…
            </p>
          </div>
        </div>
        <div className="call-buttons">
          <button type="button" className="round-button decline" aria-label="Decline" onClick={() => void client.calls.decline()}>
            <Icon name="hangup" size={22} />
          </button>
          <button ref={acceptRef} type="button" className="round-button accept" data-testid="call-accept" aria-label={`Accept ${call.kind} call`} onClick={() => void client.calls.accept().then(() => onOpenRoom(call.roomId))}>
            <Icon name={call.kind === "video" ? "video" : "phone"} size={22} />
          </button>
        </div>
      </div>
    );
  }

  const label =
    call.phase === "ended"
      ? endedText[call.endedReason ?? "ended"]
      : call.phase === "connected"
        ? `Connected · ${formatDuration(Date.now() - (call.connectedAt ?? Date.now()))}`
        : call.phase === "connecting"
          ? "Connecting…"
          : `Calling ${call.peerName}…`;

  const remote = Object.entries(call.remoteStreams);
  return (
    <section className={`call-panel ${call.kind} ${call.phase}`} aria-label={`${call.kind} call with ${call.peerName}`}>
      <div className="call-header">
        <div className="call-status-line" data-testid="call-status" data-state={state} data-phase={call.phase} role="status" aria-live="polite">
          <span className={`status-dot ${state}`} aria-hidden="true" />
          <strong>{call.peerName}</strong>
          <span className="muted">{label}</span>
        </div>
        {call.phase === "ended" && (
          <button type="button" className="icon-button small" aria-label="Close" onClick={() => client.calls.dismiss()}>
            <Icon name="x" size={16} />
          </button>
        )}
      </div>

      {call.phase !== "ended" && (
        <>
          <div className="call-media">
            {remote.length === 0 && (
              <div className="call-placeholder">
                <Avatar userId={call.peerUserId ?? call.callId} name={call.peerName} size={64} />
              </div>
            )}
            {remote.map(([userId, stream]) => (
              <RemoteMedia key={userId} stream={stream} kind={call.kind} />
            ))}
            {call.kind === "video" && call.localStream && <LocalVideo stream={call.localStream} off={call.cameraOff} />}
          </div>
          {call.notice && <p className="call-notice">{call.notice}</p>}
          <div className="call-buttons">
            <button type="button" className={`round-button${call.muted ? " off" : ""}`} aria-pressed={call.muted} aria-label={call.muted ? "Unmute microphone" : "Mute microphone"} onClick={() => client.calls.toggleMute()} disabled={!call.localStream}>
              <Icon name={call.muted ? "micOff" : "mic"} size={20} />
            </button>
            {call.kind === "video" && (
              <button type="button" className={`round-button${call.cameraOff ? " off" : ""}`} aria-pressed={call.cameraOff} aria-label={call.cameraOff ? "Turn camera on" : "Turn camera off"} onClick={() => client.calls.toggleCamera()} disabled={!call.localStream}>
                <Icon name={call.cameraOff ? "videoOff" : "video"} size={20} />
              </button>
            )}
            <button type="button" className="round-button decline" data-testid="call-hangup" aria-label="Hang up" onClick={() => void client.calls.hangUp()}>
              <Icon name="hangup" size={22} />
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function RemoteMedia({ stream, kind }: { stream: MediaStream; kind: "audio" | "video" }) {
  const ref = useRef<HTMLVideoElement & HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = stream;
    // Autoplay can be refused before any user gesture; the call buttons are one, so retry quietly.
    el.play().catch(() => undefined);
  }, [stream]);
  return kind === "video" ? <video ref={ref} className="remote-video" autoPlay playsInline aria-label="The other side's video" /> : <audio ref={ref} autoPlay />;
}

function LocalVideo({ stream, off }: { stream: MediaStream; off: boolean }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current) {
      ref.current.srcObject = stream;
      ref.current.play().catch(() => undefined);
    }
  }, [stream]);
  return <video ref={ref} className={`local-video${off ? " off" : ""}`} autoPlay playsInline muted aria-label="Your camera" />;
}
