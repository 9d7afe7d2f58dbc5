using Npgsql;
using Synapse.Server.Domain;

namespace Synapse.Server.Storage.Postgres;

public sealed partial class PostgresSynapseStore
{
    private const string MessageColumns =
        "m.id, m.room_id, m.user_id, u.user_name, m.content, m.created_at, m.edited_at, m.reply_to_id, m.client_message_id";

    private const string MessageFrom = "FROM messages m JOIN users u ON u.id = m.user_id";

    /// <inheritdoc />
    public async Task<(Message Message, bool Created)> InsertMessageAsync(NewMessage message, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Commits of one room in seq order (see PostgresLock.Room), so history cursors never skip.
        await connection.LockAsync(transaction, PostgresLock.Room(message.RoomId), cancellationToken);

        // A retry racing its original (on another server) waits for it on the unique index, then
        // does nothing; the read that follows sees the original (READ COMMITTED: a new snapshot).
        var inserted = await connection.Sql("""
            INSERT INTO messages (id, room_id, user_id, content, reply_to_id, client_message_id, created_at)
            VALUES (@id, @room, @user, @content, @replyTo, @clientId, @created)
            ON CONFLICT (user_id, client_message_id) DO NOTHING;
            """, transaction)
            .With("@id", message.Id)
            .With("@room", message.RoomId)
            .With("@user", message.UserId)
            .With("@content", message.Content)
            .With("@replyTo", message.ReplyToId)
            .With("@clientId", message.ClientMessageId)
            .With("@created", message.CreatedAt)
            .ExecuteAsync(cancellationToken);
        var stored = inserted > 0
            ? await ReadMessageAsync(connection, transaction, "m.id = @id", c => c.With("@id", message.Id), includeDeleted: false, cancellationToken)
            : await ReadMessageAsync(connection, transaction, "m.user_id = @user AND m.client_message_id = @clientId", c => c.With("@user", message.UserId).With("@clientId", message.ClientMessageId), includeDeleted: true, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (stored ?? throw new InvalidOperationException($"Message {message.Id} vanished inside its own transaction."), inserted > 0);
    }

    /// <inheritdoc />
    public async Task<Message?> GetMessageAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ReadMessageAsync(connection, null, "m.id = @id", c => c.With("@id", messageId), includeDeleted: false, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Message?> FindByClientMessageIdAsync(string userId, string clientMessageId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ReadMessageAsync(connection, null, "m.user_id = @user AND m.client_message_id = @clientId", c => c.With("@user", userId).With("@clientId", clientMessageId), includeDeleted: false, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Message?> UpdateMessageContentAsync(string messageId, string content, DateTimeOffset editedAt, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var changed = await connection.Sql("UPDATE messages SET content = @content, edited_at = @at WHERE id = @id AND deleted_at IS NULL;", transaction)
            .With("@content", content)
            .With("@at", editedAt)
            .With("@id", messageId)
            .ExecuteAsync(cancellationToken);
        var message = changed == 0 ? null : await ReadMessageAsync(connection, transaction, "m.id = @id", c => c.With("@id", messageId), includeDeleted: false, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return message;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteMessageAsync(string messageId, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The row stays (as a paging cursor and for reply links) but its content is erased. The
        // UPDATE locks the row first, so a reaction toggled concurrently (which locks it too)
        // lands either before the delete (and is removed) or after it.
        var changed = await connection.Sql("UPDATE messages SET content = '', deleted_at = @at WHERE id = @id AND deleted_at IS NULL;", transaction)
            .With("@at", deletedAt)
            .With("@id", messageId)
            .ExecuteAsync(cancellationToken);
        await connection.Sql("DELETE FROM reactions WHERE message_id = @id;", transaction)
            .With("@id", messageId)
            .ExecuteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return changed > 0;
    }

    /// <inheritdoc />
    public async Task<bool> ToggleReactionAsync(string messageId, string userId, string emoji, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Toggles of one message take turns (SQLite's single writer did this for free): two
        // concurrent toggles of the same reaction then add and remove it, instead of both
        // finding it absent and one failing on the primary key. NO KEY UPDATE still lets other
        // rows reference the message.
        await connection.Sql("SELECT 1 FROM messages WHERE id = @message FOR NO KEY UPDATE;", transaction)
            .With("@message", messageId)
            .ExecuteAsync(cancellationToken);
        var removed = await connection.Sql("DELETE FROM reactions WHERE message_id = @message AND emoji = @emoji AND user_id = @user;", transaction)
            .With("@message", messageId)
            .With("@emoji", emoji)
            .With("@user", userId)
            .ExecuteAsync(cancellationToken);
        if (removed == 0)
        {
            await connection.Sql("INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES (@message, @emoji, @user, @at);", transaction)
                .With("@message", messageId)
                .With("@emoji", emoji)
                .With("@user", userId)
                .With("@at", at)
                .ExecuteAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return removed == 0;
    }

    /// <inheritdoc />
    public async Task<MessagePage?> GetMessagesAsync(string roomId, MessageQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var cursorId = query.After ?? query.Before;
        long? cursor = null;
        if (cursorId is not null)
        {
            // A deleted message is still a valid cursor: the client may hold it from before.
            var seq = await connection.Sql("SELECT seq FROM messages WHERE id = @id AND room_id = @room;")
                .With("@id", cursorId)
                .With("@room", roomId)
                .ScalarAsync(cancellationToken);
            if (seq is null)
            {
                return null;
            }

            cursor = (long)seq;
        }

        var forward = query.After is not null;
        var condition = cursor is null ? string.Empty : forward ? "AND m.seq > @cursor" : "AND m.seq < @cursor";
        var order = forward ? "ASC" : "DESC";
        var rows = await connection.Sql($"""
            SELECT {MessageColumns} {MessageFrom}
            WHERE m.room_id = @room AND m.deleted_at IS NULL {condition}
            ORDER BY m.seq {order}
            LIMIT @limit;
            """)
            .With("@room", roomId)
            .With("@cursor", cursor)
            .With("@limit", query.Limit + 1)
            .ReadAllAsync(ReadMessageRow, cancellationToken);
        var hasMore = rows.Count > query.Limit;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        var messages = await WithReactionsAsync(connection, null, rows, cancellationToken);
        return new MessagePage(messages, hasMore);
    }

    private static async Task<Message?> ReadMessageAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        string condition,
        Func<NpgsqlCommand, NpgsqlCommand> parameters,
        bool includeDeleted,
        CancellationToken cancellationToken)
    {
        var deleted = includeDeleted ? string.Empty : "AND m.deleted_at IS NULL";
        var row = await parameters(connection.Sql($"SELECT {MessageColumns} {MessageFrom} WHERE {condition} {deleted};", transaction))
            .ReadFirstOrDefaultAsync(ReadMessageRow, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var withReactions = await WithReactionsAsync(connection, transaction, [row], cancellationToken);
        return withReactions[0];
    }

    private static Message ReadMessageRow(NpgsqlDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3),
        r.GetString(4),
        r.GetTime(5),
        r.GetTimeOrNull(6),
        r.GetStringOrNull(7),
        [],
        r.GetStringOrNull(8));

    /// <summary>Loads the reactions of <paramref name="messages"/> in one query.</summary>
    private static async Task<IReadOnlyList<Message>> WithReactionsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, List<Message> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return messages;
        }

        var rows = await connection.Sql("SELECT message_id, emoji, user_id FROM reactions WHERE message_id = ANY (@ids) ORDER BY created_at, emoji, user_id;", transaction)
            .With("@ids", messages.Select(m => m.Id).ToArray())
            .ReadAllAsync(r => (MessageId: r.GetString(0), Emoji: r.GetString(1), UserId: r.GetString(2)), cancellationToken);
        if (rows.Count == 0)
        {
            return messages;
        }

        var byMessage = rows
            .GroupBy(r => r.MessageId, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (IReadOnlyList<Reaction>)g
                    .GroupBy(r => r.Emoji, StringComparer.Ordinal)
                    .Select(e => new Reaction(e.Key, e.Count(), e.Select(x => x.UserId).ToArray()))
                    .ToArray(),
                StringComparer.Ordinal);
        return messages.Select(m => byMessage.TryGetValue(m.Id, out var reactions) ? m with { Reactions = reactions } : m).ToArray();
    }
}
