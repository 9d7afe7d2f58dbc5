// The shapes of the Synapse REST and real-time API (README, "The Synapse server").

export interface User {
  id: string;
  userName: string;
  displayName: string;
  isAdmin: boolean;
  createdAt: string;
}

export interface AuthResponse {
  user: User;
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
}

export interface RoomMember {
  userId: string;
  userName: string;
  displayName: string;
  joinedAt?: string;
}

export interface Room {
  id: string;
  name: string;
  isPrivate: boolean;
  isDirect: boolean;
  ownerId: string | null;
  createdAt: string;
  memberCount: number;
  isMember: boolean;
  members?: RoomMember[] | null;
}

export interface Reaction {
  emoji: string;
  count: number;
  userIds: string[];
}

export interface Message {
  id: string;
  roomId: string;
  userId: string;
  userName: string;
  content: string;
  createdAt: string;
  editedAt: string | null;
  replyToId: string | null;
  reactions: Reaction[];
  clientMessageId: string | null;
}

export interface MessagePage {
  messages: Message[];
  hasMore: boolean;
}

export type NotificationType = "mention" | "room_added" | "missed_call";

export interface Notification {
  id: string;
  type: NotificationType;
  title: string;
  message: string;
  createdAt: string;
  read: boolean;
  roomId: string | null;
  messageId: string | null;
}

export interface NotificationList {
  notifications: Notification[];
  unreadCount: number;
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}

// --- Real-time payloads -------------------------------------------------------------------

export interface MemberPresence {
  userId: string;
  userName: string;
  displayName: string;
  online: boolean;
}

export interface AckError {
  code: string;
  message: string;
}

export type Ack<T = object> = ({ success: true } & T) | { success: false; error: AckError };

export interface RoomJoinedEvent {
  roomId: string;
  members: MemberPresence[];
}

export interface UserRoomEvent {
  userId: string;
  userName: string;
  roomId: string;
}

export interface MessageUpdatedEvent {
  messageId: string;
  roomId: string;
  content: string;
  editedAt: string | null;
}

export interface ReactionEvent {
  messageId: string;
  roomId: string;
  emoji: string;
  userId: string;
}

export interface TypingEvent {
  userId: string;
  userName?: string;
  roomId: string;
}

export interface PresenceEvent {
  userId: string;
  userName?: string;
}

export type CallKind = "audio" | "video";

export interface CallAck {
  callId: string;
  roomId: string;
  kind: CallKind;
  participantIds: string[];
}

export interface CallIncomingEvent {
  callId: string;
  roomId: string;
  kind: CallKind;
  fromUserId: string;
  fromUserName: string;
}

export interface CallParticipantEvent {
  callId: string;
  userId: string;
  userName: string;
}

export interface CallSignalEvent {
  callId: string;
  fromUserId: string;
  signal: unknown;
}

export type CallEndReason = "ended" | "rejected" | "unanswered" | "disconnected";

export interface CallEndedEvent {
  callId: string;
  roomId: string;
  endedBy: string | null;
  reason: CallEndReason;
}

export interface AnnouncementEvent {
  message: string;
  createdAt: string;
}
