using Synapse.Server.Domain;

namespace Synapse.Server.Storage;

/// <summary>Messages and reactions. Every write is durable when its task completes.</summary>
public interface IMessageStore
{
    /// <summary>
    /// Stores a message. When the author already stored one with the same client message id, nothing
    /// is written and that message is returned with <c>Created = false</c> (safe client retries).
    /// </summary>
    Task<(Message Message, bool Created)> InsertMessageAsync(NewMessage message, CancellationToken cancellationToken);

    /// <summary>The message (not deleted), with its reactions, or null.</summary>
    Task<Message?> GetMessageAsync(string messageId, CancellationToken cancellationToken);

    /// <summary>The author's message with this client message id (not deleted), or null.</summary>
    Task<Message?> FindByClientMessageIdAsync(string userId, string clientMessageId, CancellationToken cancellationToken);

    /// <summary>Replaces a message's content; returns the updated message, or null if it is gone.</summary>
    Task<Message?> UpdateMessageContentAsync(string messageId, string content, DateTimeOffset editedAt, CancellationToken cancellationToken);

    /// <summary>Deletes a message (its content is erased; it disappears from history); false if already gone.</summary>
    Task<bool> DeleteMessageAsync(string messageId, DateTimeOffset deletedAt, CancellationToken cancellationToken);

    /// <summary>Adds the user's reaction, or removes it when present. Returns true when it was added.</summary>
    Task<bool> ToggleReactionAsync(string messageId, string userId, string emoji, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// A page of a room's history: with <see cref="MessageQuery.After"/>, the messages after that one,
    /// oldest first; otherwise the newest ones (before <see cref="MessageQuery.Before"/> when given),
    /// newest first. Null when the cursor message is not in that room.
    /// </summary>
    Task<MessagePage?> GetMessagesAsync(string roomId, MessageQuery query, CancellationToken cancellationToken);
}

/// <summary>A message to store.</summary>
/// <param name="Id">The new id.</param>
/// <param name="RoomId">The room.</param>
/// <param name="UserId">The author.</param>
/// <param name="Content">The trimmed content.</param>
/// <param name="ReplyToId">The message answered, if any.</param>
/// <param name="ClientMessageId">The author's idempotency key, if any.</param>
/// <param name="CreatedAt">Creation time.</param>
public sealed record NewMessage(string Id, string RoomId, string UserId, string Content, string? ReplyToId, string? ClientMessageId, DateTimeOffset CreatedAt);

/// <summary>Which page of history to read.</summary>
/// <param name="Before">Read older than this message id.</param>
/// <param name="After">Read newer than this message id (oldest first).</param>
/// <param name="Limit">Page size.</param>
public sealed record MessageQuery(string? Before, string? After, int Limit);

/// <summary>A page of history.</summary>
/// <param name="Messages">The messages, in the query's order.</param>
/// <param name="HasMore">Whether more exist beyond this page in the same direction.</param>
public sealed record MessagePage(IReadOnlyList<Message> Messages, bool HasMore);
