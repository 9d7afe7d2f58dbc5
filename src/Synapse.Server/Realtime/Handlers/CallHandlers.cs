using Synapse.Server.Domain;
using Synapse.Server.Realtime.Contracts;
using Synapse.Server.Services;
using Synapse.Server.Storage;
using Synapse.SocketIO;

namespace Synapse.Server.Realtime.Handlers;

/// <summary>
/// Call signaling. <c>call:start</c> rings the room's other members (<c>call-incoming</c> on each
/// <c>user:{id}</c>); <c>call:accept</c> / <c>call:reject</c> answer; <c>call:signal</c> relays SDP
/// and ICE between participants only; <c>call:end</c> (or the ring timeout, or a participant's
/// last socket leaving) ends it, and invitees who never answered get a missed-call notification.
/// </summary>
public sealed partial class CallHandlers : ISocketEventHandlers
{
    private readonly SocketEventDispatcher _dispatcher;
    private readonly CallRegistry _calls;
    private readonly RoomService _rooms;
    private readonly IRoomStore _roomStore;
    private readonly NotificationService _notifications;
    private readonly UserRateLimiter _limiter;
    private readonly SocketIOServer _io;
    private readonly ILogger<CallHandlers> _logger;

    /// <summary>Creates the handlers and listens to ring timeouts.</summary>
    public CallHandlers(
        SocketEventDispatcher dispatcher,
        CallRegistry calls,
        RoomService rooms,
        IRoomStore roomStore,
        NotificationService notifications,
        UserRateLimiter limiter,
        SocketIOServer io,
        ILogger<CallHandlers> logger)
    {
        _dispatcher = dispatcher;
        _calls = calls;
        _rooms = rooms;
        _roomStore = roomStore;
        _notifications = notifications;
        _limiter = limiter;
        _io = io;
        _logger = logger;
        _calls.RingTimedOut += call => _ = EndAsync(call, endedBy: null, reason: "unanswered");
    }

    /// <inheritdoc />
    public void Register(SocketSession session)
    {
        var json = SynapseJsonContext.Default;
        _dispatcher.On(session, SocketEvents.CallStart, json.CallStartPayload, (p, ct) => StartAsync(session, p, ct));
        _dispatcher.On(session, SocketEvents.CallAccept, json.CallIdPayload, (p, _) => Task.FromResult(Accept(session, p)));
        _dispatcher.On(session, SocketEvents.CallReject, json.CallIdPayload, (p, _) => RejectAsync(session, p));
        _dispatcher.On(session, SocketEvents.CallSignal, json.CallSignalPayload, (p, _) => Task.FromResult(Signal(session, p)));
        _dispatcher.On(session, SocketEvents.CallEnd, json.CallIdPayload, (p, _) => EndByParticipantAsync(session, p));
    }

    /// <summary>Ends the calls of a user whose last socket disconnected.</summary>
    public async Task OnUserOfflineAsync(User user)
    {
        foreach (var call in _calls.CallsOf(user.Id))
        {
            await EndAsync(call, user.Id, "disconnected");
        }
    }

    private async Task<Result<AckPayload>> StartAsync(SocketSession session, CallStartPayload payload, CancellationToken cancellationToken)
    {
        if (InputRules.CheckCallKind(payload.Kind, out var kind) is { } kindError)
        {
            return kindError;
        }

        var room = await _rooms.GetRoomAsMemberAsync(session.User.Id, payload.RoomId, cancellationToken);
        if (!room.IsSuccess)
        {
            return room.Error;
        }

        var callees = (await _rooms.GetMembersAsync(room.Value.Id, cancellationToken)).Select(m => m.UserId).Where(id => id != session.User.Id).ToArray();
        if (callees.Length == 0)
        {
            return AppError.Validation("Nobody else is in this room to call.");
        }

        if (_limiter.TryAcquireAction(session.User.Id) is { } limited)
        {
            return limited;
        }

        var user = session.User;
        var call = new Call(Ids.NewCallId(), room.Value.Id, kind, new CallUser(user.Id, user.UserName, user.DisplayName), callees);
        _calls.Add(call);
        RoomSubscriptions.EmitToUsers(_io, callees, SocketEvents.CallIncoming, new CallIncomingEvent(call.Id, call.RoomId, kind, user.Id, user.UserName));
        Log.CallStarted(_logger, call.Id, call.RoomId, user.Id, callees.Length);
        return Ack(call);
    }

    private Result<AckPayload> Accept(SocketSession session, CallIdPayload payload)
    {
        var found = FindCall(payload);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var call = found.Value;
        return call.Accept(session.User.Id) switch
        {
            CallAnswer.Done => Announce(call, SocketEvents.CallAccepted, session.User),
            CallAnswer.Ended => AppError.NotFound("The call has ended."),
            _ => AppError.Forbidden("You are not invited to this call."),
        };
    }

    private async Task<Result<AckPayload>> RejectAsync(SocketSession session, CallIdPayload payload)
    {
        var found = FindCall(payload);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var call = found.Value;
        switch (call.Reject(session.User.Id, out var everyoneDeclined))
        {
            case CallAnswer.Ended:
                return AppError.NotFound("The call has ended.");
            case CallAnswer.NotInvited:
                return AppError.Forbidden("You are not invited to this call, or already accepted it.");
        }

        var ack = Announce(call, SocketEvents.CallRejected, session.User);
        if (everyoneDeclined)
        {
            await EndAsync(call, session.User.Id, "rejected");
        }

        return ack;
    }

    private Result<AckPayload> Signal(SocketSession session, CallSignalPayload payload)
    {
        var found = FindCall(payload.CallId);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        if (InputRules.CheckId(payload.ToUserId, "toUserId", out var toUserId) is { } idError)
        {
            return idError;
        }

        if (InputRules.CheckSignal(payload.Signal) is { } signalError)
        {
            return signalError;
        }

        var call = found.Value;
        if (!call.IsParticipant(session.User.Id))
        {
            return AppError.Forbidden("Only the call's participants may signal.");
        }

        if (toUserId == session.User.Id || !call.IsParticipant(toUserId))
        {
            return AppError.Forbidden("toUserId is not another participant of this call.");
        }

        _io.To(RoomNames.User(toUserId)).Emit(SocketEvents.CallSignalRelay, new CallSignalEvent(call.Id, session.User.Id, payload.Signal));
        return Ack(call);
    }

    private async Task<Result<AckPayload>> EndByParticipantAsync(SocketSession session, CallIdPayload payload)
    {
        var found = FindCall(payload);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var call = found.Value;
        if (!call.IsParticipant(session.User.Id))
        {
            return AppError.Forbidden("Only the call's participants may end it; decline with call:reject.");
        }

        var ack = Ack(call);
        await EndAsync(call, session.User.Id, "ended");
        return ack;
    }

    private Result<Call> FindCall(CallIdPayload payload) => FindCall(payload.CallId);

    private Result<Call> FindCall(string? callId)
    {
        if (InputRules.CheckId(callId, "callId", out var id) is { } error)
        {
            return error;
        }

        return _calls.Get(id) is { } call ? call : AppError.NotFound("No such call in progress.");
    }

    private Result<AckPayload> Announce(Call call, string eventName, User user)
    {
        RoomSubscriptions.EmitToUsers(_io, call.InvolvedUserIds, eventName, new CallParticipantEvent(call.Id, user.Id, user.UserName));
        return Ack(call);
    }

    private static CallAck Ack(Call call) => new(call.Id, call.RoomId, call.Kind, call.ParticipantIds);

    private async Task EndAsync(Call call, string? endedBy, string reason)
    {
        var unanswered = call.End();
        if (unanswered is null)
        {
            return;
        }

        _calls.Remove(call);
        RoomSubscriptions.EmitToUsers(_io, call.InvolvedUserIds, SocketEvents.CallEnded, new CallEndedEvent(call.Id, call.RoomId, endedBy, reason));
        Log.CallEnded(_logger, call.Id, reason, unanswered.Count);
        if (unanswered.Count == 0)
        {
            return;
        }

        try
        {
            if (await _roomStore.GetRoomAsync(call.RoomId, CancellationToken.None) is { } room)
            {
                await _notifications.NotifyMissedCallAsync(room, call.Caller.DisplayName, call.Kind, unanswered, CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            Log.MissedCallNotificationFailed(_logger, call.Id, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Call {CallId} started in room {RoomId} by {UserId}, ringing {Count} users.")]
        public static partial void CallStarted(ILogger logger, string callId, string roomId, string userId, int count);

        [LoggerMessage(2, LogLevel.Debug, "Call {CallId} ended ({Reason}); {Unanswered} invitees never answered.")]
        public static partial void CallEnded(ILogger logger, string callId, string reason, int unanswered);

        [LoggerMessage(3, LogLevel.Error, "Notifying the missed call {CallId} failed.")]
        public static partial void MissedCallNotificationFailed(ILogger logger, string callId, Exception exception);
    }
}
