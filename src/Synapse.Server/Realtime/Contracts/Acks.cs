using System.Text.Json.Serialization;
using Synapse.Server.Domain;

namespace Synapse.Server.Realtime.Contracts;

/// <summary>A successful acknowledgement: <c>{"success": true, ...}</c>.</summary>
public abstract record AckPayload
{
    /// <summary>Always true.</summary>
    [JsonPropertyOrder(-1)]
    public bool Success => true;
}

/// <summary>A failed acknowledgement: <c>{"success": false, "error": {code, message}}</c>.</summary>
public sealed record AckFailure(ErrorBody Error)
{
    /// <summary>Always false.</summary>
    [JsonPropertyOrder(-1)]
    public bool Success => false;
}

/// <summary><c>{success}</c> alone.</summary>
public sealed record EmptyAck : AckPayload
{
    /// <summary>The one instance.</summary>
    public static EmptyAck Instance { get; } = new();
}

/// <summary><c>authenticate</c>.</summary>
public sealed record AuthenticatedAck(User User) : AckPayload;

/// <summary><c>room:join</c>.</summary>
public sealed record RoomJoinedAck(string RoomId, Room Room, IReadOnlyList<MemberPresence> Members) : AckPayload;

/// <summary><c>room:leave</c>.</summary>
public sealed record RoomLeftAck(string RoomId) : AckPayload;

/// <summary><c>message:send</c>; <c>duplicate</c>: a retry that returned the message stored before.</summary>
public sealed record MessageSentAck(Message Message, bool Duplicate) : AckPayload;

/// <summary><c>message:edit</c>.</summary>
public sealed record MessageEditedAck(Message Message) : AckPayload;

/// <summary><c>message:delete</c>.</summary>
public sealed record MessageDeletedAck(string MessageId) : AckPayload;

/// <summary><c>message:react</c>.</summary>
public sealed record ReactionAck(string MessageId, string Emoji, bool Added) : AckPayload;

/// <summary><c>presence:list</c>.</summary>
public sealed record PresenceListAck(string RoomId, IReadOnlyList<string> UserIds) : AckPayload;

/// <summary>The call events: the call's state after the operation.</summary>
public sealed record CallAck(string CallId, string RoomId, string Kind, IReadOnlyList<string> ParticipantIds) : AckPayload;

/// <summary><c>notification:read</c>.</summary>
public sealed record NotificationReadAck(string NotificationId) : AckPayload;
