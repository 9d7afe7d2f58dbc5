using Synapse.Server.Domain;
using Synapse.Server.Realtime.Contracts;
using Synapse.Server.Services;

namespace Synapse.Server.Realtime.Handlers;

/// <summary>
/// <c>message:send</c>, <c>message:edit</c>, <c>message:delete</c>, <c>message:react</c>. The
/// <see cref="MessageService"/> stores each change before publishing it to the room; the ack
/// follows the broadcast.
/// </summary>
public sealed class MessageHandlers(SocketEventDispatcher dispatcher, MessageService messages) : ISocketEventHandlers
{
    /// <inheritdoc />
    public void Register(SocketSession session)
    {
        dispatcher.On(session, SocketEvents.MessageSend, SynapseJsonContext.Default.SendMessagePayload, async (p, ct) =>
        {
            var sent = await messages.SendAsync(session.User, p.RoomId, p.Content, p.ClientMessageId, p.ReplyToId, ct);
            return sent.IsSuccess ? new MessageSentAck(sent.Value.Message, Duplicate: !sent.Value.Created) : Failure(sent.Error);
        });

        dispatcher.On(session, SocketEvents.MessageEdit, SynapseJsonContext.Default.EditMessagePayload, async (p, ct) =>
        {
            var edited = await messages.EditAsync(session.User, p.MessageId, p.Content, ct);
            return edited.IsSuccess ? new MessageEditedAck(edited.Value) : Failure(edited.Error);
        });

        dispatcher.On(session, SocketEvents.MessageDelete, SynapseJsonContext.Default.MessageIdPayload, async (p, ct) =>
        {
            var deleted = await messages.DeleteAsync(session.User, p.MessageId, ct);
            return deleted.IsSuccess ? new MessageDeletedAck(deleted.Value.Id) : Failure(deleted.Error);
        });

        dispatcher.On(session, SocketEvents.MessageReact, SynapseJsonContext.Default.ReactPayload, async (p, ct) =>
        {
            var toggled = await messages.ToggleReactionAsync(session.User, p.MessageId, p.Emoji, ct);
            return toggled.IsSuccess ? new ReactionAck(toggled.Value.MessageId, toggled.Value.Emoji, toggled.Value.Added) : Failure(toggled.Error);
        });
    }

    private static Result<AckPayload> Failure(AppError error) => error;
}
