using Synapse.Server.Domain;

namespace Synapse.Server.Storage;

/// <summary>Users' notifications.</summary>
public interface INotificationStore
{
    /// <summary>Stores notifications (one per user) in one transaction.</summary>
    Task AddNotificationsAsync(IReadOnlyCollection<(string UserId, Notification Notification)> notifications, CancellationToken cancellationToken);

    /// <summary>The user's notifications, newest first.</summary>
    Task<IReadOnlyList<Notification>> ListNotificationsAsync(string userId, bool unreadOnly, int limit, CancellationToken cancellationToken);

    /// <summary>How many of the user's notifications are unread.</summary>
    Task<int> CountUnreadNotificationsAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Marks one of the user's notifications read; false when the user has no such notification.</summary>
    Task<bool> MarkNotificationReadAsync(string userId, string notificationId, DateTimeOffset readAt, CancellationToken cancellationToken);
}
