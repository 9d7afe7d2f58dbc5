using Synapse.Server.Domain;
using Synapse.Server.Storage;

namespace Synapse.Server.Services;

/// <summary>Creates notifications (stored first, then pushed to <c>user:{id}</c>) and lists them.</summary>
public sealed class NotificationService(INotificationStore store, IRoomStore rooms, IRealtimePublisher publisher, TimeProvider time)
{
    private const int PreviewLength = 200;

    /// <summary>Notifies the room's members that <paramref name="message"/> mentions by <c>@userName</c>.</summary>
    public async Task NotifyMentionsAsync(Message message, User sender, Room room, CancellationToken cancellationToken)
    {
        var mentioned = Mentions.Parse(message.Content);
        if (mentioned.Count == 0)
        {
            return;
        }

        // Only members are notified: they are the ones who can read the message.
        var members = await rooms.GetMembersAsync(room.Id, cancellationToken);
        var targets = members
            .Where(m => m.UserId != sender.Id && mentioned.Contains(InputRules.NormalizeUserName(m.UserName)))
            .Select(m => m.UserId)
            .ToArray();
        var preview = message.Content.Length <= PreviewLength ? message.Content : message.Content[..PreviewLength] + "…";
        await CreateAsync(
            targets,
            () => NewNotification(NotificationTypes.Mention, $"{sender.DisplayName} mentioned you in {room.Name}", preview, room.Id, message.Id),
            cancellationToken);
    }

    /// <summary>Notifies users that <paramref name="actor"/> added them to <paramref name="room"/>.</summary>
    public Task NotifyAddedToRoomAsync(Room room, User actor, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken) =>
        CreateAsync(
            userIds.Where(id => id != actor.Id).ToArray(),
            () => room.IsDirect
                ? NewNotification(NotificationTypes.RoomAdded, "New conversation", $"{actor.DisplayName} started a conversation with you.", room.Id, null)
                : NewNotification(NotificationTypes.RoomAdded, $"Added to {room.Name}", $"{actor.DisplayName} added you to {room.Name}.", room.Id, null),
            cancellationToken);

    /// <summary>Notifies users that a call from <paramref name="caller"/> rang for them unanswered.</summary>
    public Task NotifyMissedCallAsync(Room room, string callerDisplayName, string kind, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken) =>
        CreateAsync(
            userIds,
            () => NewNotification(NotificationTypes.MissedCall, $"Missed {kind} call", $"{callerDisplayName} called you in {room.Name}.", room.Id, null),
            cancellationToken);

    /// <summary>The user's notifications, newest first, and how many are unread.</summary>
    public async Task<(IReadOnlyList<Notification> Notifications, int UnreadCount)> ListAsync(string userId, bool unreadOnly, int limit, CancellationToken cancellationToken)
    {
        var notifications = await store.ListNotificationsAsync(userId, unreadOnly, limit, cancellationToken);
        var unread = await store.CountUnreadNotificationsAsync(userId, cancellationToken);
        return (notifications, unread);
    }

    /// <summary>Marks one of the user's notifications read.</summary>
    public async Task<AppError?> MarkReadAsync(string userId, string? notificationId, CancellationToken cancellationToken)
    {
        if (InputRules.CheckId(notificationId, "notificationId", out var id) is { } error)
        {
            return error;
        }

        return await store.MarkNotificationReadAsync(userId, id, Clock.Now(time), cancellationToken)
            ? null
            : AppError.NotFound("No such notification.");
    }

    private Notification NewNotification(string type, string title, string message, string? roomId, string? messageId) =>
        new(Ids.NewNotificationId(), type, title, message, Clock.Now(time), false, roomId, messageId);

    private async Task CreateAsync(IReadOnlyCollection<string> userIds, Func<Notification> create, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0)
        {
            return;
        }

        var notifications = userIds.Distinct(StringComparer.Ordinal).Select(id => (UserId: id, Notification: create())).ToArray();
        await store.AddNotificationsAsync(notifications, cancellationToken);
        foreach (var (userId, notification) in notifications)
        {
            publisher.NotificationCreated(userId, notification);
        }
    }
}
