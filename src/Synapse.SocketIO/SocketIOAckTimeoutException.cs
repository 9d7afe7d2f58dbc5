namespace Synapse.SocketIO;

/// <summary>Not every acknowledgement arrived in time.</summary>
public sealed class SocketIOAckTimeoutException : TimeoutException
{
    /// <summary>Creates the error.</summary>
    public SocketIOAckTimeoutException(int expected, int received, IReadOnlyList<SocketIOArguments>? responses = null)
        : base($"operation has timed out: {expected - received} of {expected} client(s) did not acknowledge in time")
    {
        Expected = expected;
        Received = received;
        Responses = responses ?? [];
    }

    /// <summary>Creates the error with its own message (a cluster adapter's, for server-side acknowledgements).</summary>
    public SocketIOAckTimeoutException(string message, int expected, int received, IReadOnlyList<SocketIOArguments>? responses = null)
        : base(message)
    {
        Expected = expected;
        Received = received;
        Responses = responses ?? [];
    }

    /// <summary>How many acknowledgements were expected.</summary>
    public int Expected { get; }

    /// <summary>How many arrived.</summary>
    public int Received { get; }

    /// <summary>The acknowledgements that did arrive.</summary>
    public IReadOnlyList<SocketIOArguments> Responses { get; }
}
