using Synapse.Server.Domain;
using Synapse.Server.Realtime.Contracts;
using Synapse.Server.Services;
using Synapse.SocketIO;

namespace Synapse.Server.Realtime.Handlers;

/// <summary>
/// <c>typing:start</c> / <c>typing:stop</c> for a room the socket joined: <c>user:typing</c> /
/// <c>user:stop-typing</c> to the others in the room, volatile (a stale indicator is not worth
/// queueing). A state not refreshed expires with a <c>user:stop-typing</c>, and so does every state
/// of a socket that disconnects.
/// </summary>
public sealed class TypingHandlers : ISocketEventHandlers
{
    private readonly SocketEventDispatcher _dispatcher;
    private readonly TypingTracker _typing;
    private readonly SocketIOServer _io;

    /// <summary>Creates the handlers and listens to typing expiry.</summary>
    public TypingHandlers(SocketEventDispatcher dispatcher, TypingTracker typing, SocketIOServer io)
    {
        _dispatcher = dispatcher;
        _typing = typing;
        _io = io;
        _typing.Expired += state => EmitStop(state.UserId, state.RoomId);
    }

    /// <inheritdoc />
    public void Register(SocketSession session)
    {
        _dispatcher.On(session, SocketEvents.TypingStart, SynapseJsonContext.Default.RoomPayload, (p, _) => Task.FromResult(Start(session, p)));
        _dispatcher.On(session, SocketEvents.TypingStop, SynapseJsonContext.Default.RoomPayload, (p, _) => Task.FromResult(Stop(session, p)));
    }

    /// <summary>Ends the typing states of a socket that disconnected.</summary>
    public void OnDisconnected(SocketSession session)
    {
        foreach (var state in _typing.StopAllOfSocket(session.Id))
        {
            EmitStop(state.UserId, state.RoomId);
        }
    }

    private Result<AckPayload> Start(SocketSession session, RoomPayload payload)
    {
        if (CheckSubscribed(session, payload, out var roomId) is { } error)
        {
            return error;
        }

        var user = session.User;
        _typing.Start(new TypingState(user.Id, user.UserName, roomId), session.Id);
        _io.To(RoomNames.Room(roomId)).Except(RoomNames.User(user.Id)).Volatile
            .Emit(SocketEvents.UserTyping, new UserTypingEvent(user.Id, user.UserName, roomId));
        return EmptyAck.Instance;
    }

    private Result<AckPayload> Stop(SocketSession session, RoomPayload payload)
    {
        if (CheckSubscribed(session, payload, out var roomId) is { } error)
        {
            return error;
        }

        if (_typing.Stop(session.User.Id, roomId))
        {
            EmitStop(session.User.Id, roomId);
        }

        return EmptyAck.Instance;
    }

    private static AppError? CheckSubscribed(SocketSession session, RoomPayload payload, out string roomId)
    {
        if (InputRules.CheckId(payload.RoomId, "roomId", out roomId) is { } error)
        {
            return error;
        }

        // Joining checked membership; removal from the room unsubscribes the user's sockets.
        return session.Socket.Rooms.Contains(RoomNames.Room(roomId)) ? null : AppError.Forbidden("Join the room first.");
    }

    private void EmitStop(string userId, string roomId) =>
        _io.To(RoomNames.Room(roomId)).Except(RoomNames.User(userId)).Volatile
            .Emit(SocketEvents.UserStopTyping, new UserStopTypingEvent(userId, roomId));
}
