namespace Synapse.Server.Realtime;

/// <summary>
/// A ringing or ongoing call held in memory by <see cref="CallRegistry"/>. The caller invites the
/// room's other members; participants are the caller and those who accepted. Thread-safe.
/// </summary>
internal sealed class Call
{
    private readonly object _gate = new();
    private readonly CallSnapshot _start;
    private readonly HashSet<string> _invited;
    private readonly HashSet<string> _accepted = new(StringComparer.Ordinal);
    private readonly HashSet<string> _rejected = new(StringComparer.Ordinal);
    private bool _ended;

    /// <summary>Creates a ringing call.</summary>
    public Call(CallSnapshot start)
    {
        _start = start;
        _invited = new HashSet<string>(start.InvitedUserIds, StringComparer.Ordinal);
    }

    /// <summary>The call id.</summary>
    public string Id => _start.Id;

    /// <summary>The ring timer, set by the registry.</summary>
    public ITimer? RingTimer { get; set; }

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
            return !_ended && (userId == _start.Caller.UserId || _accepted.Contains(userId));
        }
    }

    /// <summary>The call as it is now.</summary>
    public CallSnapshot Snapshot()
    {
        lock (_gate)
        {
            return SnapshotLocked();
        }
    }

    /// <summary>An invitee accepts.</summary>
    public (CallAnswer, CallSnapshot) Accept(string userId)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return (CallAnswer.Ended, SnapshotLocked());
            }

            if (!_invited.Contains(userId) || _rejected.Contains(userId))
            {
                return (CallAnswer.NotInvited, SnapshotLocked());
            }

            _accepted.Add(userId);
            return (CallAnswer.Done, SnapshotLocked());
        }
    }

    /// <summary>An invitee declines.</summary>
    public (CallAnswer, CallSnapshot) Reject(string userId)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return (CallAnswer.Ended, SnapshotLocked());
            }

            if (!_invited.Contains(userId) || _accepted.Contains(userId))
            {
                return (CallAnswer.NotInvited, SnapshotLocked());
            }

            _rejected.Add(userId);
            return (CallAnswer.Done, SnapshotLocked());
        }
    }

    /// <summary>Ends the call once: the call as it ended (null if it had already ended).</summary>
    public CallSnapshot? End()
    {
        lock (_gate)
        {
            if (_ended)
            {
                return null;
            }

            _ended = true;
            return SnapshotLocked();
        }
    }

    private CallSnapshot SnapshotLocked() => _start with
    {
        AcceptedUserIds = _accepted.ToHashSet(StringComparer.Ordinal),
        RejectedUserIds = _rejected.ToHashSet(StringComparer.Ordinal),
    };
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

    /// <summary>No such call in progress.</summary>
    NotFound,
}
