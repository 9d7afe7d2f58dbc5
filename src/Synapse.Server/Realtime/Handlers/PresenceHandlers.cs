using Synapse.Server.Domain;
using Synapse.Server.Realtime.Contracts;
using Synapse.Server.Services;
using Synapse.Server.Storage;
using Synapse.SocketIO;

namespace Synapse.Server.Realtime.Handlers;

/// <summary>
/// Presence: <c>user:online</c> when a user's first socket connects and <c>user:offline</c> when
/// the last one disconnects, each to the rooms the user belongs to; <c>presence:list {roomId}</c>
/// acks the ids of the room's online members.
/// </summary>
public sealed class PresenceHandlers(
    SocketEventDispatcher dispatcher,
    PresenceTracker presence,
    RoomService rooms,
    IRoomStore roomStore,
    SocketIOServer io) : ISocketEventHandlers
{
    /// <inheritdoc />
    public void Register(SocketSession session) =>
        dispatcher.On(session, SocketEvents.PresenceList, SynapseJsonContext.Default.RoomPayload, (payload, ct) => ListAsync(session, payload, ct));

    /// <summary>Counts the socket (synchronously: before its disconnect can be observed).</summary>
    public PresenceChange Connect(SocketSession session) => presence.Connect(session.User.Id, session.Id);

    /// <summary>Forgets the socket.</summary>
    public PresenceChange Disconnect(SocketSession session) => presence.Disconnect(session.User.Id, session.Id);

    /// <summary>Announces <c>user:online</c> if the user came online and still is.</summary>
    public async Task AnnounceOnlineAsync(User user, PresenceChange change)
    {
        if (!change.Changed)
        {
            return;
        }

        var rooms = await RoomsOfAsync(user.Id);
        presence.AnnounceIfCurrent(user.Id, change, online: true, () =>
            RoomSubscriptions.EmitToRoomsExceptUser(io, rooms, user.Id, SocketEvents.UserOnline, new UserOnlineEvent(user.Id, user.UserName)));
    }

    /// <summary>Announces <c>user:offline</c> if the user went offline and still is.</summary>
    public async Task AnnounceOfflineAsync(User user, PresenceChange change)
    {
        if (!change.Changed)
        {
            return;
        }

        var rooms = await RoomsOfAsync(user.Id);
        presence.AnnounceIfCurrent(user.Id, change, online: false, () =>
            RoomSubscriptions.EmitToRoomsExceptUser(io, rooms, user.Id, SocketEvents.UserOffline, new UserOfflineEvent(user.Id)));
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
        return new PresenceListAck(room.Value.Id, members.Where(m => presence.IsOnline(m.UserId)).Select(m => m.UserId).ToArray());
    }
}
