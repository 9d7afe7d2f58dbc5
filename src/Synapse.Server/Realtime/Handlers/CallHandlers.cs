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
    private readonly ICallStore _calls;
    private readonly RoomService _rooms;
    private readonly IRoomStore _roomStore;
    private readonly NotificationService _notifications;
    private readonly IUserRateLimiter _limiter;
    private readonly SocketIOServer _io;
    private readonly ILogger<CallHandlers> _logger;

    /// <summary>Creates the handlers and listens to ring timeouts.</summary>
    public CallHandlers(
        SocketEventDispatcher dispatcher,
        ICallStore calls,
        RoomService rooms,
        IRoomStore roomStore,
        NotificationService notifications,
        IUserRateLimiter limiter,
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
        _calls.RingTimedOut += callId => _ = EndAsync(callId, endedBy: null, reason: "unanswered");
    }

    /// <inheritdoc />
    public void Register(SocketSession session)
    {
        var json = SynapseJsonContext.Default;
        _dispatcher.On(session, SocketEvents.CallStart, json.CallStartPayload, (p, ct) => StartAsync(session, p, ct));
        _dispatcher.On(session, SocketEvents.CallAccept, json.CallIdPayload, (p, _) => AcceptAsync(session, p));
        _dispatcher.On(session, SocketEvents.CallReject, json.CallIdPayload, (p, _) => RejectAsync(session, p));
        _dispatcher.On(session, SocketEvents.CallSignal, json.CallSignalPayload, (p, _) => SignalAsync(session, p));
        _dispatcher.On(session, SocketEvents.CallEnd, json.CallIdPayload, (p, _) => EndByParticipantAsync(session, p));
    }

    /// <summary>Ends the calls of a user whose last socket disconnected.</summary>
    public async Task OnUserOfflineAsync(string userId)
    {
        foreach (var callId in await _calls.CallsOfAsync(userId))
        {
            await EndAsync(callId, userId, "disconnected");
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

        if (await _limiter.TryAcquireActionAsync(session.User.Id, cancellationToken) is { } limited)
        {
            return limited;
        }

        var user = session.User;
        var none = new HashSet<string>(StringComparer.Ordinal);
        var call = new CallSnapshot(Ids.NewCallId(), room.Value.Id, kind, new CallUser(user.Id, user.UserName, user.DisplayName), callees, none, none);
        await _calls.AddAsync(call);
        RoomSubscriptions.EmitToUsers(_io, callees, SocketEvents.CallIncoming, new CallIncomingEvent(call.Id, call.RoomId, kind, user.Id, user.UserName));
        Log.CallStarted(_logger, call.Id, call.RoomId, user.Id, callees.Length);
        return Ack(call);
    }

    private async Task<Result<AckPayload>> AcceptAsync(SocketSession session, CallIdPayload payload)
    {
        if (InputRules.CheckId(payload.CallId, "callId", out var callId) is { } error)
        {
            return error;
        }

        var (answer, call) = await _calls.AcceptAsync(callId, session.User.Id);
        return answer switch
        {
            CallAnswer.Done => Announce(call!, SocketEvents.CallAccepted, session.User),
            CallAnswer.Ended => AppError.NotFound("The call has ended."),
            CallAnswer.NotFound => NoSuchCall(),
            _ => AppError.Forbidden("You are not invited to this call."),
        };
    }

    private async Task<Result<AckPayload>> RejectAsync(SocketSession session, CallIdPayload payload)
    {
        if (InputRules.CheckId(payload.CallId, "callId", out var callId) is { } error)
        {
            return error;
        }

        var (answer, call) = await _calls.RejectAsync(callId, session.User.Id);
        switch (answer)
        {
            case CallAnswer.Ended:
                return AppError.NotFound("The call has ended.");
            case CallAnswer.NotFound:
                return NoSuchCall();
            case CallAnswer.NotInvited:
                return AppError.Forbidden("You are not invited to this call, or already accepted it.");
        }

        var ack = Announce(call!, SocketEvents.CallRejected, session.User);
        if (call!.EveryoneDeclined)
        {
            await EndAsync(call.Id, session.User.Id, "rejected");
        }

        return ack;
    }

    private async Task<Result<AckPayload>> SignalAsync(SocketSession session, CallSignalPayload payload)
    {
        var found = await FindCallAsync(payload.CallId);
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
        var found = await FindCallAsync(payload.CallId);
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
        await EndAsync(call.Id, session.User.Id, "ended");
        return ack;
    }

    private async Task<Result<CallSnapshot>> FindCallAsync(string? callId)
    {
        if (InputRules.CheckId(callId, "callId", out var id) is { } error)
        {
            return error;
        }

        return await _calls.GetAsync(id) is { } call ? call : NoSuchCall();
    }

    private static AppError NoSuchCall() => AppError.NotFound("No such call in progress.");

    private Result<AckPayload> Announce(CallSnapshot call, string eventName, User user)
    {
        RoomSubscriptions.EmitToUsers(_io, call.InvolvedUserIds, eventName, new CallParticipantEvent(call.Id, user.Id, user.UserName));
        return Ack(call);
    }

    private static CallAck Ack(CallSnapshot call) => new(call.Id, call.RoomId, call.Kind, call.ParticipantIds);

    private async Task EndAsync(string callId, string? endedBy, string reason)
    {
        CallSnapshot? call;
        try
        {
            call = await _calls.EndAsync(callId);
        }
        catch (Exception ex)
        {
            Log.EndFailed(_logger, callId, ex);
            return;
        }

        if (call is null)
        {
            return;
        }

        var unanswered = call.UnansweredUserIds;
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

        [LoggerMessage(4, LogLevel.Error, "Ending the call {CallId} failed.")]
        public static partial void EndFailed(ILogger logger, string callId, Exception exception);
    }
}
