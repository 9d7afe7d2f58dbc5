using Synapse.Server.Domain;
using Synapse.Server.Realtime.Contracts;
using Synapse.Server.Services;

namespace Synapse.Server.Realtime.Handlers;

/// <summary>
/// Notifications arrive as <c>notification</c> events on <c>user:{id}</c> (published by the
/// <see cref="NotificationService"/>); <c>notification:read {notificationId}</c> marks one read,
/// like <c>POST /api/notifications/{id}/read</c>.
/// </summary>
public sealed class NotificationHandlers(SocketEventDispatcher dispatcher, NotificationService notifications) : ISocketEventHandlers
{
    /// <inheritdoc />
    public void Register(SocketSession session) =>
        dispatcher.On(session, SocketEvents.NotificationRead, SynapseJsonContext.Default.NotificationReadPayload, async (payload, ct) =>
        {
            var error = await notifications.MarkReadAsync(session.User.Id, payload.NotificationId, ct);
            return error is null ? new NotificationReadAck(payload.NotificationId!) : (Result<AckPayload>)error;
        });
}
