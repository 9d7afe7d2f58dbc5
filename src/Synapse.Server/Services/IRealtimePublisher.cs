using Synapse.Server.Domain;

namespace Synapse.Server.Services;

/// <summary>
/// Pushes what the services did to connected clients. The services call it after the change is
/// durable; the real-time layer implements it over Socket.IO (<c>Realtime.SocketIORealtimePublisher</c>).
/// </summary>
public interface IRealtimePublisher
{
    /// <summary><c>message:new</c> to the room.</summary>
    void MessageCreated(Message message);

    /// <summary><c>message:updated</c> to the room.</summary>
    void MessageUpdated(Message message);

    /// <summary><c>message:deleted</c> (the id) to the room.</summary>
    void MessageDeleted(string roomId, string messageId);

    /// <summary><c>message:reaction-added</c> or <c>message:reaction-removed</c> to the room.</summary>
    void ReactionToggled(string roomId, string messageId, string emoji, string userId, bool added);

    /// <summary><c>notification</c> to the user.</summary>
    void NotificationCreated(string userId, Notification notification);

    /// <summary><c>system:announcement</c> to everyone connected.</summary>
    void Announcement(string message, DateTimeOffset createdAt);

    /// <summary>The user's sockets stop receiving the room's events; the others get <c>user:left-room</c>.</summary>
    Task MemberRemovedAsync(string roomId, User user);
}
