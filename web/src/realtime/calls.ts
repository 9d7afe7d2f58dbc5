import type {
  CallAck,
  CallEndReason,
  CallEndedEvent,
  CallIncomingEvent,
  CallKind,
  CallParticipantEvent,
  CallSignalEvent,
} from "../api/types";
import type { RealtimeConnection } from "./socket";

/** `ringing` (outgoing or incoming), `connecting` (accepted, media negotiating), `connected`, `ended`. */
export type CallPhase = "ringing" | "connecting" | "connected" | "ended";

export interface CallView {
  callId: string;
  roomId: string;
  kind: CallKind;
  direction: "outgoing" | "incoming";
  phase: CallPhase;
  /** The other side's name (the caller for an incoming call). */
  peerName: string;
  peerUserId: string | null;
  startedAt: number;
  connectedAt: number | null;
  endedReason: CallEndReason | "failed" | null;
  localStream: MediaStream | null;
  remoteStreams: Record<string, MediaStream>;
  muted: boolean;
  cameraOff: boolean;
  /** A media problem worth telling the user (no microphone, camera refused…). */
  notice: string | null;
}

type Signal = { type: "offer"; sdp: string } | { type: "answer"; sdp: string } | { type: "candidate"; candidate: RTCIceCandidateInit };

export interface CallManagerOptions {
  connection: RealtimeConnection;
  myUserId: () => string;
  onChange: (view: CallView | null) => void;
  /** Names for user ids (the callee of an outgoing call). */
  nameOf: (userId: string) => string | undefined;
  onError: (message: string) => void;
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  rtcConfig?: RTCConfiguration;
  /** How long the ended state stays visible. */
  endedLingerMs?: number;
}

interface Peer {
  pc: RTCPeerConnection;
  pendingCandidates: RTCIceCandidateInit[];
  remoteSet: boolean;
}

/**
 * One call at a time, over WebRTC, signaled through the server's `call:*` events. The caller
 * offers to each callee that accepts (a star around the caller); SDP and ICE go through
 * `call:signal`. Hanging up on either side sends `call:end`, and `call:ended` tears down both.
 */
export class CallManager {
  private view: CallView | null = null;
  private readonly peers = new Map<string, Peer>();
  private acceptedHere = false;
  private lingerTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly options: CallManagerOptions) {
    const c = options.connection;
    this.unsubscribe.push(
      c.on<CallIncomingEvent>("call-incoming", (e) => this.onIncoming(e)),
      c.on<CallParticipantEvent>("call:accepted", (e) => void this.onAccepted(e)),
      c.on<CallParticipantEvent>("call:rejected", (e) => this.onRejected(e)),
      c.on<CallSignalEvent>("call:signal", (e) => void this.onSignal(e)),
      c.on<CallEndedEvent>("call:ended", (e) => this.onEnded(e)),
    );
  }

  get current(): CallView | null {
    return this.view;
  }

  dispose(): void {
    for (const undo of this.unsubscribe) {
      undo();
    }
    this.teardown();
    this.set(null);
  }

  /** Starts a call in a room: asks for the microphone (and camera), then rings the others. */
  async start(roomId: string, kind: CallKind, peerName: string): Promise<void> {
    if (this.view && this.view.phase !== "ended") {
      this.options.onError("You are already in a call.");
      return;
    }
    this.clearLinger();
    const { stream, notice } = await this.media(kind);
    const ack = await this.options.connection.request<CallAck>("call:start", { roomId, kind });
    if (!ack.success) {
      stream?.getTracks().forEach((t) => t.stop());
      this.options.onError(ack.error.message);
      return;
    }
    this.acceptedHere = true;
    this.set({
      callId: ack.callId,
      roomId,
      kind,
      direction: "outgoing",
      phase: "ringing",
      peerName,
      peerUserId: null,
      startedAt: Date.now(),
      connectedAt: null,
      endedReason: null,
      localStream: stream,
      remoteStreams: {},
      muted: false,
      cameraOff: false,
      notice,
    });
  }

  /** Accepts the incoming call. */
  async accept(): Promise<void> {
    const view = this.view;
    if (!view || view.direction !== "incoming" || view.phase !== "ringing") {
      return;
    }
    this.acceptedHere = true;
    this.patch({ phase: "connecting" });
    const { stream, notice } = await this.media(view.kind);
    if (this.view?.callId !== view.callId) {
      stream?.getTracks().forEach((t) => t.stop());
      return;
    }
    this.patch({ localStream: stream, notice });
    const ack = await this.options.connection.request("call:accept", { callId: view.callId });
    if (!ack.success) {
      this.options.onError(ack.error.message);
      this.finish("failed");
    }
  }

  /** Declines the incoming call. */
  async decline(): Promise<void> {
    const view = this.view;
    if (!view || view.direction !== "incoming") {
      return;
    }
    await this.options.connection.request("call:reject", { callId: view.callId });
    this.finish("rejected");
  }

  /** Hangs up (or cancels / declines while ringing). */
  async hangUp(): Promise<void> {
    const view = this.view;
    if (!view || view.phase === "ended") {
      this.set(null);
      return;
    }
    if (view.direction === "incoming" && view.phase === "ringing") {
      await this.decline();
      return;
    }
    const callId = view.callId;
    this.finish("ended");
    await this.options.connection.request("call:end", { callId });
  }

  toggleMute(): void {
    const view = this.view;
    if (!view?.localStream) return;
    const muted = !view.muted;
    view.localStream.getAudioTracks().forEach((t) => (t.enabled = !muted));
    this.patch({ muted });
  }

  toggleCamera(): void {
    const view = this.view;
    if (!view?.localStream) return;
    const cameraOff = !view.cameraOff;
    view.localStream.getVideoTracks().forEach((t) => (t.enabled = !cameraOff));
    this.patch({ cameraOff });
  }

  /** Hides the ended call. */
  dismiss(): void {
    if (this.view?.phase === "ended") {
      this.clearLinger();
      this.set(null);
    }
  }

  // --- Server events ------------------------------------------------------------------------

  private onIncoming(event: CallIncomingEvent): void {
    if (this.view && this.view.phase !== "ended") {
      // Busy: decline the second call rather than interrupt this one.
      void this.options.connection.request("call:reject", { callId: event.callId });
      return;
    }
    this.clearLinger();
    this.acceptedHere = false;
    this.set({
      callId: event.callId,
      roomId: event.roomId,
      kind: event.kind,
      direction: "incoming",
      phase: "ringing",
      peerName: this.options.nameOf(event.fromUserId) ?? event.fromUserName,
      peerUserId: event.fromUserId,
      startedAt: Date.now(),
      connectedAt: null,
      endedReason: null,
      localStream: null,
      remoteStreams: {},
      muted: false,
      cameraOff: false,
      notice: null,
    });
  }

  private async onAccepted(event: CallParticipantEvent): Promise<void> {
    const view = this.view;
    if (!view || view.callId !== event.callId) {
      return;
    }
    const me = this.options.myUserId();
    if (event.userId === me) {
      if (!this.acceptedHere) {
        // Answered in another tab of mine.
        this.teardown();
        this.set(null);
      }
      return;
    }
    if (view.direction !== "outgoing") {
      return;
    }
    this.patch({ phase: "connecting", peerName: this.options.nameOf(event.userId) ?? (event.userName || view.peerName), peerUserId: event.userId });
    const peer = this.createPeer(event.userId);
    try {
      const offer = await peer.pc.createOffer();
      await peer.pc.setLocalDescription(offer);
      await this.signal(event.userId, { type: "offer", sdp: offer.sdp ?? "" });
    } catch (error) {
      this.fail(`Could not start the call: ${String(error)}`);
    }
  }

  private onRejected(event: CallParticipantEvent): void {
    const view = this.view;
    if (!view || view.callId !== event.callId) return;
    if (event.userId === this.options.myUserId() && !this.acceptedHere) {
      this.teardown();
      this.set(null);
    }
  }

  private async onSignal(event: CallSignalEvent): Promise<void> {
    const view = this.view;
    if (!view || view.callId !== event.callId || !this.acceptedHere || view.phase === "ended") {
      return;
    }
    const signal = parseSignal(event.signal);
    if (!signal) return;
    try {
      if (signal.type === "offer") {
        const peer = this.peers.get(event.fromUserId) ?? this.createPeer(event.fromUserId, false);
        await peer.pc.setRemoteDescription({ type: "offer", sdp: signal.sdp });
        peer.remoteSet = true;
        // Attach local tracks to the transceivers the offer created (addTrack reuses them).
        for (const track of this.view?.localStream?.getTracks() ?? []) {
          if (!peer.pc.getSenders().some((s) => s.track === track)) {
            peer.pc.addTrack(track, this.view!.localStream!);
          }
        }
        const answer = await peer.pc.createAnswer();
        await peer.pc.setLocalDescription(answer);
        await this.flushCandidates(peer);
        await this.signal(event.fromUserId, { type: "answer", sdp: answer.sdp ?? "" });
      } else if (signal.type === "answer") {
        const peer = this.peers.get(event.fromUserId);
        if (!peer) return;
        await peer.pc.setRemoteDescription({ type: "answer", sdp: signal.sdp });
        peer.remoteSet = true;
        await this.flushCandidates(peer);
      } else {
        const peer = this.peers.get(event.fromUserId) ?? this.createPeer(event.fromUserId, false);
        if (peer.remoteSet) {
          await peer.pc.addIceCandidate(signal.candidate);
        } else {
          peer.pendingCandidates.push(signal.candidate);
        }
      }
    } catch (error) {
      this.fail(`The call could not connect: ${String(error)}`);
    }
  }

  private onEnded(event: CallEndedEvent): void {
    if (!this.view || this.view.callId !== event.callId) return;
    if (this.view.phase === "ended") return;
    this.finish(event.reason);
  }

  // --- WebRTC -------------------------------------------------------------------------------

  private createPeer(userId: string, initiator = true): Peer {
    const pc = new RTCPeerConnection(this.options.rtcConfig ?? { iceServers: [] });
    const peer: Peer = { pc, pendingCandidates: [], remoteSet: false };
    this.peers.set(userId, peer);
    const view = this.view!;
    if (initiator) {
      const stream = view.localStream;
      const kinds: Array<"audio" | "video"> = view.kind === "video" ? ["audio", "video"] : ["audio"];
      for (const kind of kinds) {
        const track = stream?.getTracks().find((t) => t.kind === kind);
        if (track && stream) {
          pc.addTrack(track, stream);
        } else {
          // No device for it: still receive the other side's.
          pc.addTransceiver(kind, { direction: "recvonly" });
        }
      }
    }
    pc.onicecandidate = (e) => {
      if (e.candidate) {
        void this.signal(userId, { type: "candidate", candidate: e.candidate.toJSON() });
      }
    };
    pc.ontrack = (e) => {
      const stream = e.streams[0] ?? new MediaStream([e.track]);
      const current = this.view;
      if (current) {
        this.patch({ remoteStreams: { ...current.remoteStreams, [userId]: stream } });
      }
    };
    pc.onconnectionstatechange = () => {
      const state = pc.connectionState;
      if (state === "connected" && this.view && this.view.phase !== "ended" && this.view.phase !== "connected") {
        this.patch({ phase: "connected", connectedAt: Date.now() });
      } else if (state === "failed") {
        this.fail("The call lost its connection.");
      }
    };
    return peer;
  }

  private async flushCandidates(peer: Peer): Promise<void> {
    const candidates = peer.pendingCandidates.splice(0);
    for (const candidate of candidates) {
      await peer.pc.addIceCandidate(candidate);
    }
  }

  private async signal(toUserId: string, signal: Signal): Promise<void> {
    const view = this.view;
    if (!view) return;
    const ack = await this.options.connection.request("call:signal", { callId: view.callId, toUserId, signal });
    if (!ack.success && !("unanswered" in ack && ack.unanswered) && ack.error.code !== "NOT_FOUND") {
      this.options.onError(`Call signaling failed: ${ack.error.message}`);
    }
  }

  private async media(kind: CallKind): Promise<{ stream: MediaStream | null; notice: string | null }> {
    const getUserMedia = this.options.getUserMedia ?? ((c) => navigator.mediaDevices.getUserMedia(c));
    if (typeof navigator === "undefined" || !navigator.mediaDevices) {
      return { stream: null, notice: "This browser gives no access to a microphone or camera here (a secure origin is needed): you will hear and see the others only." };
    }
    try {
      return { stream: await getUserMedia({ audio: true, video: kind === "video" }), notice: null };
    } catch {
      if (kind === "video") {
        try {
          return { stream: await getUserMedia({ audio: true }), notice: "No camera available: joining with audio only." };
        } catch {
          // fall through
        }
      }
      return { stream: null, notice: "No microphone available: you can listen, but not be heard." };
    }
  }

  private fail(message: string): void {
    const view = this.view;
    if (!view || view.phase === "ended") return;
    this.options.onError(message);
    const callId = view.callId;
    this.finish("failed");
    void this.options.connection.request("call:end", { callId });
  }

  private finish(reason: CallEndReason | "failed"): void {
    this.teardown();
    if (!this.view) return;
    this.patch({ phase: "ended", endedReason: reason, localStream: null, remoteStreams: {} });
    this.clearLinger();
    this.lingerTimer = setTimeout(() => {
      if (this.view?.phase === "ended") this.set(null);
    }, this.options.endedLingerMs ?? 4_000);
  }

  private teardown(): void {
    for (const peer of this.peers.values()) {
      peer.pc.onicecandidate = null;
      peer.pc.ontrack = null;
      peer.pc.onconnectionstatechange = null;
      peer.pc.close();
    }
    this.peers.clear();
    this.view?.localStream?.getTracks().forEach((t) => t.stop());
  }

  private clearLinger(): void {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
  }

  private patch(change: Partial<CallView>): void {
    if (this.view) this.set({ ...this.view, ...change });
  }

  private set(view: CallView | null): void {
    this.view = view;
    this.options.onChange(view);
  }
}

function parseSignal(raw: unknown): Signal | null {
  const value = typeof raw === "string" ? safeJson(raw) : raw;
  if (!value || typeof value !== "object") return null;
  const s = value as Record<string, unknown>;
  if (s.type === "offer" && typeof s.sdp === "string") {
    return { type: "offer", sdp: s.sdp };
  }
  if (s.type === "answer" && typeof s.sdp === "string") {
    return { type: "answer", sdp: s.sdp };
  }
  if (s.type === "candidate" && s.candidate && typeof s.candidate === "object") {
    return { type: "candidate", candidate: s.candidate as RTCIceCandidateInit };
  }
  return null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
