namespace Synapse.Server.Realtime;

/// <summary>
/// A ringing or ongoing call (signaling state only; media flows peer to peer). The caller invites
/// the room's other members; participants are the caller and those who accepted. Thread-safe.
/// </summary>
public sealed class Call
{
    private readonly object _gate = new();
    private readonly HashSet<string> _invited;
    private readonly HashSet<string> _accepted = new(StringComparer.Ordinal);
    private readonly HashSet<string> _rejected = new(StringComparer.Ordinal);
    private bool _ended;

    /// <summary>Creates a ringing call.</summary>
    public Call(string id, string roomId, string kind, CallUser caller, IEnumerable<string> invitedUserIds)
    {
        Id = id;
        RoomId = roomId;
        Kind = kind;
        Caller = caller;
        _invited = new HashSet<string>(invitedUserIds, StringComparer.Ordinal);
        _invited.Remove(caller.UserId);
    }

    /// <summary>The call id.</summary>
    public string Id { get; }

    /// <summary>The room it was started in.</summary>
    public string RoomId { get; }

    /// <summary><c>audio</c> or <c>video</c>.</summary>
    public string Kind { get; }

    /// <summary>Who started it.</summary>
    public CallUser Caller { get; }

    /// <summary>The ring timer, set by the registry.</summary>
    internal ITimer? RingTimer { get; set; }

    /// <summary>The caller and everyone invited: who hears about accepts, rejects and the end.</summary>
    public IReadOnlyList<string> InvolvedUserIds
    {
        get
        {
            lock (_gate)
            {
                return [Caller.UserId, .. _invited];
            }
        }
    }

    /// <summary>The caller and those who accepted: who may exchange signals.</summary>
    public IReadOnlyList<string> ParticipantIds
    {
        get
        {
            lock (_gate)
            {
                return [Caller.UserId, .. _accepted];
            }
        }
    }

    /// <summary>Whether anyone accepted.</summary>
    public bool IsAnswered
    {
        get
        {
            lock (_gate)
            {
                return _accepted.Count > 0;
            }
        }
    }

    /// <summary>Whether the user takes part (caller, or accepted).</summary>
    public bool IsParticipant(string userId)
    {
        lock (_gate)
        {
            return !_ended && (userId == Caller.UserId || _accepted.Contains(userId));
        }
    }

    /// <summary>An invitee accepts.</summary>
    public CallAnswer Accept(string userId)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return CallAnswer.Ended;
            }

            if (!_invited.Contains(userId) || _rejected.Contains(userId))
            {
                return CallAnswer.NotInvited;
            }

            _accepted.Add(userId);
            return CallAnswer.Done;
        }
    }

    /// <summary>An invitee declines; <paramref name="everyoneDeclined"/> tells whether no invitee is left to answer.</summary>
    public CallAnswer Reject(string userId, out bool everyoneDeclined)
    {
        lock (_gate)
        {
            everyoneDeclined = false;
            if (_ended)
            {
                return CallAnswer.Ended;
            }

            if (!_invited.Contains(userId) || _accepted.Contains(userId))
            {
                return CallAnswer.NotInvited;
            }

            _rejected.Add(userId);
            everyoneDeclined = _rejected.Count == _invited.Count;
            return CallAnswer.Done;
        }
    }

    /// <summary>Ends the call once; returns the invitees who never answered (null if it had already ended).</summary>
    public IReadOnlyList<string>? End()
    {
        lock (_gate)
        {
            if (_ended)
            {
                return null;
            }

            _ended = true;
            return _invited.Where(id => !_accepted.Contains(id) && !_rejected.Contains(id)).ToArray();
        }
    }
}

/// <summary>The caller of a call.</summary>
/// <param name="UserId">Their id.</param>
/// <param name="UserName">Their user name.</param>
/// <param name="DisplayName">Their display name.</param>
public sealed record CallUser(string UserId, string UserName, string DisplayName);

/// <summary>The outcome of answering a call.</summary>
public enum CallAnswer
{
    /// <summary>Recorded.</summary>
    Done,

    /// <summary>The user was not invited, or already answered otherwise.</summary>
    NotInvited,

    /// <summary>The call is over.</summary>
    Ended,
}
