using Synapse.Server.Domain;
using Synapse.Server.Realtime.Contracts;
using Synapse.Server.Services;
using Synapse.SocketIO;

namespace Synapse.Server.Realtime.Handlers;

/// <summary>
/// <c>room:join</c> and <c>room:leave</c>: subscribing a socket to a room's events. The others in
/// the room hear <c>user:joined-room</c> / <c>user:left-room</c> when the user's first socket
/// subscribes or last socket unsubscribes (several tabs are one user).
/// </summary>
public sealed class RoomHandlers(
    SocketEventDispatcher dispatcher,
    RoomService rooms,
    IPresenceStore presence,
    TypingTracker typing,
    SocketIOServer io) : ISocketEventHandlers
{
    /// <inheritdoc />
    public void Register(SocketSession session)
    {
        dispatcher.On(session, SocketEvents.RoomJoin, SynapseJsonContext.Default.RoomPayload, (payload, ct) => JoinAsync(session, payload, ct));
        dispatcher.On(session, SocketEvents.RoomLeave, SynapseJsonContext.Default.RoomPayload, (payload, _) => LeaveAsync(session, payload));
    }

    private async Task<Result<AckPayload>> JoinAsync(SocketSession session, RoomPayload payload, CancellationToken cancellationToken)
    {
        var joined = await rooms.JoinAsync(session.User, payload.RoomId, cancellationToken);
        if (!joined.IsSuccess)
        {
            return joined.Error;
        }

        var (room, members) = joined.Value;
        var key = RoomNames.Room(room.Id);
        var announce = !session.Socket.Rooms.Contains(key)
            && !await RoomSubscriptions.HasOtherSocketInAsync(io, session.User.Id, key, session.Id);
        await session.Socket.Join(key);

        var online = await presence.OnlineAmongAsync(members.Select(m => m.UserId).ToArray(), cancellationToken);
        var withPresence = members.Select(m => new MemberPresence(m.UserId, m.UserName, m.DisplayName, online.Contains(m.UserId))).ToArray();
        session.Socket.Emit(SocketEvents.RoomJoined, new RoomJoinedEvent(room.Id, withPresence));
        if (announce)
        {
            RoomSubscriptions.EmitToRoomsExceptUser(io, [key], session.User.Id, SocketEvents.UserJoinedRoom, new UserRoomEvent(session.User.Id, session.User.UserName, room.Id));
        }

        return new RoomJoinedAck(room.Id, room, withPresence);
    }

    private async Task<Result<AckPayload>> LeaveAsync(SocketSession session, RoomPayload payload)
    {
        if (InputRules.CheckId(payload.RoomId, "roomId", out var roomId) is { } error)
        {
            return error;
        }

        var key = RoomNames.Room(roomId);
        if (!session.Socket.Rooms.Contains(key))
        {
            // Not subscribed: nothing to do, and nothing to reveal about the room.
            return new RoomLeftAck(roomId);
        }

        await session.Socket.Leave(key);
        if (!await RoomSubscriptions.HasOtherSocketInAsync(io, session.User.Id, key, session.Id))
        {
            var user = session.User;
            if (typing.Stop(user.Id, roomId))
            {
                io.To(key).Volatile.Emit(SocketEvents.UserStopTyping, new UserStopTypingEvent(user.Id, roomId));
            }

            RoomSubscriptions.EmitToRoomsExceptUser(io, [key], user.Id, SocketEvents.UserLeftRoom, new UserRoomEvent(user.Id, user.UserName, roomId));
        }

        return new RoomLeftAck(roomId);
    }
}
