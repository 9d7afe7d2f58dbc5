using System.Text.Json;

namespace Synapse.Server.Realtime.Contracts;

// The payloads clients send. Every property is nullable: presence and ranges are checked by
// Services.InputRules, so a missing field is a VALIDATION_ERROR rather than a binding failure.

/// <summary><c>authenticate</c>.</summary>
public sealed record AuthenticatePayload(string? Token, string? UserId, string? UserName);

/// <summary><c>room:join</c>, <c>room:leave</c>, <c>typing:*</c>, <c>presence:list</c>.</summary>
public sealed record RoomPayload(string? RoomId);

/// <summary><c>message:send</c>.</summary>
public sealed record SendMessagePayload(string? RoomId, string? Content, string? ClientMessageId, string? ReplyToId);

/// <summary><c>message:edit</c>.</summary>
public sealed record EditMessagePayload(string? MessageId, string? Content);

/// <summary><c>message:delete</c>.</summary>
public sealed record MessageIdPayload(string? MessageId);

/// <summary><c>message:react</c>.</summary>
public sealed record ReactPayload(string? MessageId, string? Emoji);

/// <summary><c>call:start</c>.</summary>
public sealed record CallStartPayload(string? RoomId, string? Kind);

/// <summary><c>call:accept</c>, <c>call:reject</c>, <c>call:end</c>.</summary>
public sealed record CallIdPayload(string? CallId);

/// <summary><c>call:signal</c>: the signal (SDP or ICE) is relayed as is.</summary>
public sealed record CallSignalPayload(string? CallId, string? ToUserId, JsonElement Signal);

/// <summary><c>notification:read</c>.</summary>
public sealed record NotificationReadPayload(string? NotificationId);
