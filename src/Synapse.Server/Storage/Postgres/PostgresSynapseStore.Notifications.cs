using Synapse.Server.Domain;

namespace Synapse.Server.Storage.Postgres;

public sealed partial class PostgresSynapseStore
{
    private const string NotificationColumns = "n.id, n.type, n.title, n.message, n.created_at, n.read_at, n.room_id, n.message_id";

    /// <inheritdoc />
    public async Task AddNotificationsAsync(IReadOnlyCollection<(string UserId, Notification Notification)> notifications, CancellationToken cancellationToken)
    {
        if (notifications.Count == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (userId, n) in notifications)
        {
            await connection.Sql("""
                INSERT INTO notifications (id, user_id, type, title, message, room_id, message_id, created_at, read_at)
                VALUES (@id, @user, @type, @title, @message, @room, @messageId, @created, NULL);
                """, transaction)
                .With("@id", n.Id)
                .With("@user", userId)
                .With("@type", n.Type)
                .With("@title", n.Title)
                .With("@message", n.Message)
                .With("@room", n.RoomId)
                .With("@messageId", n.MessageId)
                .With("@created", n.CreatedAt)
                .ExecuteAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Notification>> ListNotificationsAsync(string userId, bool unreadOnly, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var unread = unreadOnly ? "AND n.read_at IS NULL" : string.Empty;
        return await connection.Sql($"""
            SELECT {NotificationColumns} FROM notifications n
            WHERE n.user_id = @user {unread}
            ORDER BY n.created_at DESC, n.id DESC
            LIMIT @limit;
            """)
            .With("@user", userId)
            .With("@limit", limit)
            .ReadAllAsync(
                r => new Notification(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetTime(4), !r.IsDBNull(5), r.GetStringOrNull(6), r.GetStringOrNull(7)),
                cancellationToken);
    }

    /// <inheritdoc />
    public async Task<int> CountUnreadNotificationsAsync(string userId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var count = await connection.Sql("SELECT COUNT(*)::integer FROM notifications WHERE user_id = @user AND read_at IS NULL;")
            .With("@user", userId)
            .ScalarAsync(cancellationToken);
        return (int)count!;
    }

    /// <inheritdoc />
    public async Task<bool> MarkNotificationReadAsync(string userId, string notificationId, DateTimeOffset readAt, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);

        // Marking an already read notification again is fine: it is still the user's.
        var matched = await connection.Sql("UPDATE notifications SET read_at = COALESCE(read_at, @at) WHERE id = @id AND user_id = @user;")
            .With("@at", readAt)
            .With("@id", notificationId)
            .With("@user", userId)
            .ExecuteAsync(cancellationToken);
        return matched > 0;
    }
}
