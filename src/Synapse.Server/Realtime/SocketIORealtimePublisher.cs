using Synapse.Server.Domain;
using Synapse.Server.Realtime.Contracts;
using Synapse.Server.Services;
using Synapse.SocketIO;

namespace Synapse.Server.Realtime;

/// <summary>Publishes the services' changes over Socket.IO, to the rooms and users they concern.</summary>
public sealed class SocketIORealtimePublisher(SocketIOServer io, TypingTracker typing) : IRealtimePublisher
{
    /// <inheritdoc />
    public void MessageCreated(Message message) =>
        io.To(RoomNames.Room(message.RoomId)).Emit(SocketEvents.MessageNew, message);

    /// <inheritdoc />
    public void MessageUpdated(Message message) =>
        io.To(RoomNames.Room(message.RoomId)).Emit(SocketEvents.MessageUpdated, new MessageUpdatedEvent(message.Id, message.RoomId, message.Content, message.EditedAt));

    /// <inheritdoc />
    public void MessageDeleted(string roomId, string messageId) =>
        io.To(RoomNames.Room(roomId)).Emit(SocketEvents.MessageDeleted, messageId);

    /// <inheritdoc />
    public void ReactionToggled(string roomId, string messageId, string emoji, string userId, bool added) =>
        io.To(RoomNames.Room(roomId)).Emit(added ? SocketEvents.ReactionAdded : SocketEvents.ReactionRemoved, new ReactionEvent(messageId, roomId, emoji, userId));

    /// <inheritdoc />
    public void NotificationCreated(string userId, Notification notification) =>
        io.To(RoomNames.User(userId)).Emit(SocketEvents.Notification, notification);

    /// <inheritdoc />
    public void Announcement(string message, DateTimeOffset createdAt) =>
        io.Emit(SocketEvents.SystemAnnouncement, new SystemAnnouncementEvent(message, createdAt));

    /// <inheritdoc />
    public async Task MemberRemovedAsync(string roomId, User user)
    {
        var room = RoomNames.Room(roomId);
        await io.In(RoomNames.User(user.Id)).SocketsLeaveAsync(room);
        if (typing.Stop(user.Id, roomId))
        {
            io.To(room).Volatile.Emit(SocketEvents.UserStopTyping, new UserStopTypingEvent(user.Id, roomId));
        }

        io.To(room).Emit(SocketEvents.UserLeftRoom, new UserRoomEvent(user.Id, user.UserName, roomId));
    }
}
