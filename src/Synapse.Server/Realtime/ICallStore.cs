namespace Synapse.Server.Realtime;

/// <summary>
/// The calls in progress, with their ring timers. <see cref="CallRegistry"/> keeps them in memory
/// (one node), <see cref="RedisCallStore"/> in Redis, so that a call started on one node is
/// answered, signalled and ended from any other.
/// </summary>
public interface ICallStore
{
    /// <summary>Raised with the call id when a call rang <see cref="RealtimeOptions.CallRingTimeout"/> without being accepted.</summary>
    event Action<string>? RingTimedOut;

    /// <summary>Registers a new call and starts its ring timer.</summary>
    Task AddAsync(CallSnapshot call);

    /// <summary>The call, if in progress.</summary>
    Task<CallSnapshot?> GetAsync(string callId);

    /// <summary>An invitee accepts (accepting again is fine); the call as it is after the answer.</summary>
    Task<(CallAnswer Answer, CallSnapshot? Call)> AcceptAsync(string callId, string userId);

    /// <summary>An invitee declines (declining again is fine); the call as it is after the answer.</summary>
    Task<(CallAnswer Answer, CallSnapshot? Call)> RejectAsync(string callId, string userId);

    /// <summary>Ends and forgets the call once: the call as it ended, or null if it was not in progress.</summary>
    Task<CallSnapshot?> EndAsync(string callId);

    /// <summary>The ids of the calls the user takes part in (as caller, or having accepted).</summary>
    Task<IReadOnlyList<string>> CallsOfAsync(string userId);
}

/// <summary>A call as it stood at one moment (signaling state only; media flows peer to peer).</summary>
/// <param name="Id">The call id.</param>
/// <param name="RoomId">The room it was started in.</param>
/// <param name="Kind"><c>audio</c> or <c>video</c>.</param>
/// <param name="Caller">Who started it.</param>
/// <param name="InvitedUserIds">The room's other members when it started.</param>
/// <param name="AcceptedUserIds">The invitees who accepted.</param>
/// <param name="RejectedUserIds">The invitees who declined.</param>
public sealed record CallSnapshot(
    string Id,
    string RoomId,
    string Kind,
    CallUser Caller,
    IReadOnlyList<string> InvitedUserIds,
    IReadOnlySet<string> AcceptedUserIds,
    IReadOnlySet<string> RejectedUserIds)
{
    /// <summary>The caller and everyone invited: who hears about accepts, rejects and the end.</summary>
    public IReadOnlyList<string> InvolvedUserIds => [Caller.UserId, .. InvitedUserIds];

    /// <summary>The caller and those who accepted: who may exchange signals.</summary>
    public IReadOnlyList<string> ParticipantIds => [Caller.UserId, .. InvitedUserIds.Where(AcceptedUserIds.Contains)];

    /// <summary>Whether anyone accepted.</summary>
    public bool IsAnswered => AcceptedUserIds.Count > 0;

    /// <summary>Whether every invitee declined.</summary>
    public bool EveryoneDeclined => InvitedUserIds.All(RejectedUserIds.Contains);

    /// <summary>The invitees who neither accepted nor declined.</summary>
    public IReadOnlyList<string> UnansweredUserIds => InvitedUserIds.Where(id => !AcceptedUserIds.Contains(id) && !RejectedUserIds.Contains(id)).ToArray();

    /// <summary>Whether the user takes part (caller, or accepted).</summary>
    public bool IsParticipant(string userId) => userId == Caller.UserId || AcceptedUserIds.Contains(userId);
}
