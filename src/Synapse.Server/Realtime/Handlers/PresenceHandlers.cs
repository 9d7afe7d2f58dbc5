using Synapse.Server.Domain;
using Synapse.Server.Realtime.Contracts;
using Synapse.Server.Services;
using Synapse.Server.Storage;
using Synapse.SocketIO;

namespace Synapse.Server.Realtime.Handlers;

/// <summary>
/// Presence: <c>user:online</c> when a user's first socket connects and <c>user:offline</c> when
/// the last one disconnects, each to the rooms the user belongs to; <c>presence:list {roomId}</c>
/// acks the ids of the room's online members. In a cluster, a node that dies takes its users'
/// presence with it: <see cref="IPresenceStore.UserLost"/> (see <see cref="RealtimeGateway"/>).
/// </summary>
public sealed class PresenceHandlers(
    SocketEventDispatcher dispatcher,
    IPresenceStore presence,
    RoomService rooms,
    IRoomStore roomStore,
    SocketIOServer io) : ISocketEventHandlers
{
    /// <inheritdoc />
    public void Register(SocketSession session) =>
        dispatcher.On(session, SocketEvents.PresenceList, SynapseJsonContext.Default.RoomPayload, (payload, ct) => ListAsync(session, payload, ct));

    /// <summary>Counts the socket.</summary>
    public ValueTask<PresenceChange> ConnectAsync(SocketSession session) => presence.ConnectAsync(session.User.Id, session.Id);

    /// <summary>Forgets the socket.</summary>
    public ValueTask<PresenceChange> DisconnectAsync(SocketSession session) => presence.DisconnectAsync(session.User.Id, session.Id);

    /// <summary>Announces <c>user:online</c> if the user came online and still is.</summary>
    public async Task AnnounceOnlineAsync(User user, PresenceChange change)
    {
        if (!change.Changed)
        {
            return;
        }

        var rooms = await RoomsOfAsync(user.Id);
        await presence.AnnounceIfCurrentAsync(user.Id, change, online: true, () =>
            RoomSubscriptions.EmitToRoomsExceptUser(io, rooms, user.Id, SocketEvents.UserOnline, new UserOnlineEvent(user.Id, user.UserName)));
    }

    /// <summary>Announces <c>user:offline</c> if the user went offline and still is.</summary>
    public async Task AnnounceOfflineAsync(string userId, PresenceChange change)
    {
        if (!change.Changed)
        {
            return;
        }

        var rooms = await RoomsOfAsync(userId);
        await presence.AnnounceIfCurrentAsync(userId, change, online: false, () =>
            RoomSubscriptions.EmitToRoomsExceptUser(io, rooms, userId, SocketEvents.UserOffline, new UserOfflineEvent(userId)));
    }

    private async Task<IReadOnlyCollection<string>> RoomsOfAsync(string userId) =>
        (await roomStore.GetRoomIdsOfUserAsync(userId, CancellationToken.None)).Select(RoomNames.Room).ToArray();

    private async Task<Result<AckPayload>> ListAsync(SocketSession session, RoomPayload payload, CancellationToken cancellationToken)
    {
        var room = await rooms.GetReadableRoomAsync(session.User.Id, payload.RoomId, cancellationToken);
        if (!room.IsSuccess)
        {
            return room.Error;
        }

        var members = await rooms.GetMembersAsync(room.Value.Id, cancellationToken);
        var online = await presence.OnlineAmongAsync(members.Select(m => m.UserId).ToArray(), cancellationToken);
        return new PresenceListAck(room.Value.Id, members.Where(m => online.Contains(m.UserId)).Select(m => m.UserId).ToArray());
    }
}
