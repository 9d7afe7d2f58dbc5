namespace Synapse.Server.Realtime;

/// <summary>The real-time API's event names (the README's event table lists them with their payloads).</summary>
public static class SocketEvents
{
    // Client to server. Each accepts an ack callback.

    /// <summary><c>{token, userId?, userName?}</c>: confirms the connection's identity.</summary>
    public const string Authenticate = "authenticate";

    /// <summary><c>{roomId}</c>: subscribe to a room's events.</summary>
    public const string RoomJoin = "room:join";

    /// <summary><c>{roomId}</c>: unsubscribe.</summary>
    public const string RoomLeave = "room:leave";

    /// <summary><c>{roomId, content, clientMessageId?, replyToId?}</c>.</summary>
    public const string MessageSend = "message:send";

    /// <summary><c>{messageId, content}</c>.</summary>
    public const string MessageEdit = "message:edit";

    /// <summary><c>{messageId}</c>.</summary>
    public const string MessageDelete = "message:delete";

    /// <summary><c>{messageId, emoji}</c>: toggles the reaction.</summary>
    public const string MessageReact = "message:react";

    /// <summary><c>{roomId}</c>.</summary>
    public const string TypingStart = "typing:start";

    /// <summary><c>{roomId}</c>.</summary>
    public const string TypingStop = "typing:stop";

    /// <summary><c>{roomId}</c>: acks the online member ids.</summary>
    public const string PresenceList = "presence:list";

    /// <summary><c>{roomId, kind}</c>.</summary>
    public const string CallStart = "call:start";

    /// <summary><c>{callId}</c>.</summary>
    public const string CallAccept = "call:accept";

    /// <summary><c>{callId}</c>.</summary>
    public const string CallReject = "call:reject";

    /// <summary><c>{callId, toUserId, signal}</c>.</summary>
    public const string CallSignal = "call:signal";

    /// <summary><c>{callId}</c>.</summary>
    public const string CallEnd = "call:end";

    /// <summary><c>{notificationId}</c>: marks a notification read.</summary>
    public const string NotificationRead = "notification:read";

    // Server to client.

    /// <summary>To the joining socket: <c>{roomId, members}</c>.</summary>
    public const string RoomJoined = "room:joined";

    /// <summary>To the room: <c>{userId, userName, roomId}</c>.</summary>
    public const string UserJoinedRoom = "user:joined-room";

    /// <summary>To the room: <c>{userId, userName, roomId}</c>.</summary>
    public const string UserLeftRoom = "user:left-room";

    /// <summary>To the room: the Message object.</summary>
    public const string MessageNew = "message:new";

    /// <summary>To the room: <c>{messageId, roomId, content, editedAt}</c>.</summary>
    public const string MessageUpdated = "message:updated";

    /// <summary>To the room: the message id.</summary>
    public const string MessageDeleted = "message:deleted";

    /// <summary>To the room: <c>{messageId, roomId, emoji, userId}</c>.</summary>
    public const string ReactionAdded = "message:reaction-added";

    /// <summary>To the room: <c>{messageId, roomId, emoji, userId}</c>.</summary>
    public const string ReactionRemoved = "message:reaction-removed";

    /// <summary>To the others in the room, volatile: <c>{userId, userName, roomId}</c>.</summary>
    public const string UserTyping = "user:typing";

    /// <summary>To the others in the room, volatile: <c>{userId, roomId}</c>.</summary>
    public const string UserStopTyping = "user:stop-typing";

    /// <summary>To the user's rooms: <c>{userId, userName}</c>.</summary>
    public const string UserOnline = "user:online";

    /// <summary>To the user's rooms: <c>{userId}</c>.</summary>
    public const string UserOffline = "user:offline";

    /// <summary>To each callee's <c>user:{id}</c>: <c>{callId, roomId, kind, fromUserId, fromUserName}</c>.</summary>
    public const string CallIncoming = "call-incoming";

    /// <summary>To the call's users: <c>{callId, userId, userName}</c>.</summary>
    public const string CallAccepted = "call:accepted";

    /// <summary>To the call's users: <c>{callId, userId, userName}</c>.</summary>
    public const string CallRejected = "call:rejected";

    /// <summary>To one participant: <c>{callId, fromUserId, signal}</c> (the event name is shared with the client's).</summary>
    public const string CallSignalRelay = "call:signal";

    /// <summary>To the call's users: <c>{callId, roomId, endedBy, reason}</c>.</summary>
    public const string CallEnded = "call:ended";

    /// <summary>To <c>user:{id}</c>: the Notification object.</summary>
    public const string Notification = "notification";

    /// <summary>To everyone: <c>{message, createdAt}</c>.</summary>
    public const string SystemAnnouncement = "system:announcement";

    /// <summary>To the socket, when an event without ack callback failed: <c>{code, message}</c>.</summary>
    public const string Error = "error";
}
