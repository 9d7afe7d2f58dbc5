using Synapse.SocketIO.Adapters;

namespace Synapse.SocketIO;

/// <summary>
/// A socket returned by <c>FetchSocketsAsync</c>, on this node or another one: its state at the
/// time of the fetch, and operations that go through the adapter so they reach it wherever it is.
/// </summary>
public sealed class RemoteSocket
{
    private readonly BroadcastOperator _operator;

    /// <summary>Creates a description of a socket (cluster adapters build these from other nodes' answers).</summary>
    public RemoteSocket(Namespace nsp, string id, SocketHandshake handshake, IReadOnlySet<string> rooms, IDictionary<string, object?> data)
    {
        Namespace = nsp;
        Id = id;
        Handshake = handshake;
        Rooms = rooms;
        Data = data;
        // Node marks every operation of a RemoteSocket so (the flag travels to other nodes with broadcasts).
        _operator = new BroadcastOperator(nsp, BroadcastOptions.All with
        {
            Rooms = new HashSet<string> { id },
            Flags = BroadcastFlags.None with { ExpectSingleResponse = true },
        });
    }

    /// <summary>The socket id.</summary>
    public string Id { get; }

    /// <summary>The namespace it belongs to.</summary>
    public Namespace Namespace { get; }

    /// <summary>Its handshake.</summary>
    public SocketHandshake Handshake { get; }

    /// <summary>Its rooms when fetched.</summary>
    public IReadOnlySet<string> Rooms { get; }

    /// <summary>Its data when fetched.</summary>
    public IDictionary<string, object?> Data { get; }

    /// <summary>Emits an event to this socket.</summary>
    public void Emit(string eventName, params object?[] args) => _operator.Emit(eventName, args);

    /// <summary>Emits an event and waits for the socket's acknowledgement.</summary>
    public async Task<SocketIOArguments> EmitWithAckAsync(TimeSpan timeout, string eventName, params object?[] args)
    {
        var responses = await _operator.Timeout(timeout).EmitWithAckAsync(eventName, args);
        // No response without a timeout: the socket was gone, nobody answered.
        return responses.Count > 0 ? responses[0] : throw new SocketIOAckTimeoutException(1, 0);
    }

    /// <summary>Makes the socket join rooms.</summary>
    public Task JoinAsync(params string[] rooms) => _operator.SocketsJoinAsync(rooms);

    /// <summary>Makes the socket leave rooms.</summary>
    public Task LeaveAsync(params string[] rooms) => _operator.SocketsLeaveAsync(rooms);

    /// <summary>Disconnects the socket; <paramref name="close"/> also closes its connection.</summary>
    public Task DisconnectAsync(bool close = false) => _operator.DisconnectSocketsAsync(close);

    internal static RemoteSocket FromLocal(Socket socket) =>
        new(socket.Namespace, socket.Id, socket.Handshake, socket.Rooms, socket.Data);
}
