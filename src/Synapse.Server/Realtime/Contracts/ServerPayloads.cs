using System.Text.Json;

namespace Synapse.Server.Realtime.Contracts;

// The payloads of server-to-client events (Message and Notification are the domain records).

/// <summary><c>user:online</c>.</summary>
public sealed record UserOnlineEvent(string UserId, string UserName);

/// <summary><c>user:offline</c>.</summary>
public sealed record UserOfflineEvent(string UserId);

/// <summary>A room member with presence, in <c>room:joined</c>.</summary>
public sealed record MemberPresence(string UserId, string UserName, string DisplayName, bool Online);

/// <summary><c>room:joined</c>.</summary>
public sealed record RoomJoinedEvent(string RoomId, IReadOnlyList<MemberPresence> Members);

/// <summary><c>user:joined-room</c>, <c>user:left-room</c>.</summary>
public sealed record UserRoomEvent(string UserId, string UserName, string RoomId);

/// <summary><c>message:updated</c>.</summary>
public sealed record MessageUpdatedEvent(string MessageId, string RoomId, string Content, DateTimeOffset? EditedAt);

/// <summary><c>message:reaction-added</c>, <c>message:reaction-removed</c>.</summary>
public sealed record ReactionEvent(string MessageId, string RoomId, string Emoji, string UserId);

/// <summary><c>user:typing</c>.</summary>
public sealed record UserTypingEvent(string UserId, string UserName, string RoomId);

/// <summary><c>user:stop-typing</c>.</summary>
public sealed record UserStopTypingEvent(string UserId, string RoomId);

/// <summary><c>call-incoming</c>.</summary>
public sealed record CallIncomingEvent(string CallId, string RoomId, string Kind, string FromUserId, string FromUserName);

/// <summary><c>call:accepted</c>, <c>call:rejected</c>.</summary>
public sealed record CallParticipantEvent(string CallId, string UserId, string UserName);

/// <summary><c>call:signal</c> (server to client).</summary>
public sealed record CallSignalEvent(string CallId, string FromUserId, JsonElement Signal);

/// <summary><c>call:ended</c>; <c>reason</c> is <c>ended</c>, <c>rejected</c>, <c>unanswered</c> or <c>disconnected</c>.</summary>
public sealed record CallEndedEvent(string CallId, string RoomId, string? EndedBy, string Reason);

/// <summary><c>system:announcement</c>.</summary>
public sealed record SystemAnnouncementEvent(string Message, DateTimeOffset CreatedAt);

/// <summary>The <c>data</c> of a refused connection's <c>connect_error</c>.</summary>
public sealed record ConnectErrorData(string Code, string Message);
