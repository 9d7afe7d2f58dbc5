using Synapse.Server.Domain;
using Synapse.Server.Storage;

namespace Synapse.Server.Services;

/// <summary>
/// Sending, editing, deleting and reacting to messages, and reading history. Every change is
/// stored (durably) before it is published to the room or acknowledged.
/// </summary>
public sealed partial class MessageService(
    IMessageStore messages,
    RoomService rooms,
    NotificationService notifications,
    IRealtimePublisher publisher,
    IUserRateLimiter limiter,
    TimeProvider time,
    ILogger<MessageService> logger)
{
    /// <summary>Default history page size.</summary>
    public const int DefaultPageSize = 50;

    /// <summary>Largest history page.</summary>
    public const int MaxPageSize = 100;

    /// <summary>
    /// Stores a message from a member and publishes <c>message:new</c>. A repeated
    /// <paramref name="clientMessageId"/> returns the stored message and publishes nothing.
    /// </summary>
    public async Task<Result<SentMessage>> SendAsync(User sender, string? roomId, string? content, string? clientMessageId, string? replyToId, CancellationToken cancellationToken)
    {
        if (InputRules.CheckId(roomId, "roomId", out var rid) is { } roomError)
        {
            return roomError;
        }

        if (InputRules.CheckContent(content, out var text) is { } contentError)
        {
            return contentError;
        }

        if (InputRules.CheckClientMessageId(clientMessageId, out var clientId) is { } clientIdError)
        {
            return clientIdError;
        }

        if (InputRules.CheckOptionalId(replyToId, "replyToId", out var replyTo) is { } replyError)
        {
            return replyError;
        }

        var access = await rooms.GetRoomAsMemberAsync(sender.Id, rid, cancellationToken);
        if (!access.IsSuccess)
        {
            return access.Error;
        }

        var room = access.Value;
        if (clientId is not null && await messages.FindByClientMessageIdAsync(sender.Id, clientId, cancellationToken) is { } earlier)
        {
            return earlier.RoomId == room.Id
                ? new SentMessage(earlier, false)
                : AppError.Validation("clientMessageId was already used for another room.");
        }

        if (replyTo is not null)
        {
            var original = await messages.GetMessageAsync(replyTo, cancellationToken);
            if (original is null || original.RoomId != room.Id)
            {
                return AppError.NotFound("The message replied to does not exist in this room.");
            }
        }

        if (await limiter.TryAcquireMessageAsync(sender.Id, cancellationToken) is { } limited)
        {
            return limited;
        }

        var (message, created) = await messages.InsertMessageAsync(
            new NewMessage(Ids.NewMessageId(), room.Id, sender.Id, text, replyTo, clientId, Clock.Now(time)),
            cancellationToken);
        if (!created)
        {
            // A concurrent retry with the same client message id won the insert.
            return new SentMessage(message, false);
        }

        publisher.MessageCreated(message);
        await NotifyMentionsAsync(message, sender, room);
        return new SentMessage(message, true);
    }

    /// <summary>Replaces the content of the actor's own message and publishes <c>message:updated</c>.</summary>
    public async Task<Result<Message>> EditAsync(User actor, string? messageId, string? content, CancellationToken cancellationToken)
    {
        if (InputRules.CheckId(messageId, "messageId", out var id) is { } idError)
        {
            return idError;
        }

        if (InputRules.CheckContent(content, out var text) is { } contentError)
        {
            return contentError;
        }

        var message = await messages.GetMessageAsync(id, cancellationToken);
        if (message is null)
        {
            return AppError.NotFound("No such message.");
        }

        if (message.UserId != actor.Id)
        {
            return AppError.Forbidden("Only the author may edit a message.");
        }

        var access = await rooms.GetRoomAsMemberAsync(actor.Id, message.RoomId, cancellationToken);
        if (!access.IsSuccess)
        {
            return access.Error;
        }

        if (await limiter.TryAcquireActionAsync(actor.Id, cancellationToken) is { } limited)
        {
            return limited;
        }

        var updated = await messages.UpdateMessageContentAsync(id, text, Clock.Now(time), cancellationToken);
        if (updated is null)
        {
            return AppError.NotFound("No such message.");
        }

        publisher.MessageUpdated(updated);
        return updated;
    }

    /// <summary>Deletes a message (its author, or the room's owner) and publishes <c>message:deleted</c>.</summary>
    public async Task<Result<Message>> DeleteAsync(User actor, string? messageId, CancellationToken cancellationToken)
    {
        if (InputRules.CheckId(messageId, "messageId", out var id) is { } idError)
        {
            return idError;
        }

        var message = await messages.GetMessageAsync(id, cancellationToken);
        if (message is null)
        {
            return AppError.NotFound("No such message.");
        }

        var access = await rooms.GetRoomAsMemberAsync(actor.Id, message.RoomId, cancellationToken);
        if (!access.IsSuccess)
        {
            return message.UserId == actor.Id || access.Error.Code != ErrorCodes.Forbidden
                ? access.Error
                : AppError.Forbidden("Only the author or the room's owner may delete a message.");
        }

        if (message.UserId != actor.Id && access.Value.OwnerId != actor.Id)
        {
            return AppError.Forbidden("Only the author or the room's owner may delete a message.");
        }

        if (await limiter.TryAcquireActionAsync(actor.Id, cancellationToken) is { } limited)
        {
            return limited;
        }

        if (!await messages.DeleteMessageAsync(id, Clock.Now(time), cancellationToken))
        {
            return AppError.NotFound("No such message.");
        }

        publisher.MessageDeleted(message.RoomId, message.Id);
        return message;
    }

    /// <summary>Adds the actor's reaction, or removes it if present, and publishes the change.</summary>
    public async Task<Result<ReactionToggle>> ToggleReactionAsync(User actor, string? messageId, string? emoji, CancellationToken cancellationToken)
    {
        if (InputRules.CheckId(messageId, "messageId", out var id) is { } idError)
        {
            return idError;
        }

        if (InputRules.CheckEmoji(emoji, out var symbol) is { } emojiError)
        {
            return emojiError;
        }

        var message = await messages.GetMessageAsync(id, cancellationToken);
        if (message is null)
        {
            return AppError.NotFound("No such message.");
        }

        var access = await rooms.GetRoomAsMemberAsync(actor.Id, message.RoomId, cancellationToken);
        if (!access.IsSuccess)
        {
            return access.Error;
        }

        if (await limiter.TryAcquireActionAsync(actor.Id, cancellationToken) is { } limited)
        {
            return limited;
        }

        var added = await messages.ToggleReactionAsync(message.Id, actor.Id, symbol, Clock.Now(time), cancellationToken);
        publisher.ReactionToggled(message.RoomId, message.Id, symbol, actor.Id, added);
        return new ReactionToggle(message.RoomId, message.Id, symbol, actor.Id, added);
    }

    /// <summary>A page of a readable room's history (see <see cref="IMessageStore.GetMessagesAsync"/>).</summary>
    public async Task<Result<MessagePage>> GetHistoryAsync(string userId, string? roomId, string? before, string? after, int? limit, CancellationToken cancellationToken)
    {
        if (InputRules.CheckOptionalId(before, "before", out var beforeId) is { } beforeError)
        {
            return beforeError;
        }

        if (InputRules.CheckOptionalId(after, "after", out var afterId) is { } afterError)
        {
            return afterError;
        }

        if (beforeId is not null && afterId is not null)
        {
            return AppError.Validation("Give either before or after, not both.");
        }

        if (InputRules.CheckLimit(limit, DefaultPageSize, MaxPageSize, out var size) is { } limitError)
        {
            return limitError;
        }

        var access = await rooms.GetReadableRoomAsync(userId, roomId, cancellationToken);
        if (!access.IsSuccess)
        {
            return access.Error;
        }

        var page = await messages.GetMessagesAsync(access.Value.Id, new MessageQuery(beforeId, afterId, size), cancellationToken);
        return page is null ? AppError.NotFound("The cursor message is not in this room.") : page;
    }

    private async Task NotifyMentionsAsync(Message message, User sender, Room room)
    {
        // The message is stored and published: a failure here must not turn the send into an error,
        // and a client that disconnects right after sending must not cancel its mentions.
        try
        {
            await notifications.NotifyMentionsAsync(message, sender, room, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Log.MentionsFailed(logger, message.Id, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Creating the mention notifications of message {MessageId} failed.")]
        public static partial void MentionsFailed(ILogger logger, string messageId, Exception exception);
    }
}

/// <summary>The outcome of a send.</summary>
/// <param name="Message">The stored message.</param>
/// <param name="Created">False when it had been stored before (a retry with the same client message id).</param>
public sealed record SentMessage(Message Message, bool Created);

/// <summary>The outcome of a reaction toggle.</summary>
/// <param name="RoomId">The message's room.</param>
/// <param name="MessageId">The message.</param>
/// <param name="Emoji">The emoji.</param>
/// <param name="UserId">Who reacted.</param>
/// <param name="Added">True when added, false when removed.</param>
public sealed record ReactionToggle(string RoomId, string MessageId, string Emoji, string UserId, bool Added);
