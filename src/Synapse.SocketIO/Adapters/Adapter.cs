using System.Text.Json;

namespace Synapse.SocketIO.Adapters;

/// <summary>
/// The one seam for scale-out, modelled on Node's <c>socket.io-adapter</c>: it keeps who is in
/// which room and carries every broadcast. <see cref="InMemoryAdapter"/> serves one process;
/// cluster adapters derive from it and add the messages between nodes, so nothing above this
/// contract may assume a single process.
/// </summary>
public abstract class Adapter : IAsyncDisposable
{
    /// <summary>Creates the adapter of a namespace.</summary>
    protected Adapter(Namespace nsp) => Namespace = nsp ?? throw new ArgumentNullException(nameof(nsp));

    /// <summary>The namespace served.</summary>
    public Namespace Namespace { get; }

    /// <summary>A room got its first member.</summary>
    public event Action<string>? RoomCreated;

    /// <summary>A room lost its last member.</summary>
    public event Action<string>? RoomDeleted;

    /// <summary>A socket (second argument: its id) joined a room.</summary>
    public event Action<string, string>? RoomJoined;

    /// <summary>A socket (second argument: its id) left a room.</summary>
    public event Action<string, string>? RoomLeft;

    /// <summary>Called once when the namespace is created (cluster adapters subscribe here).</summary>
    public virtual Task InitAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Releases the adapter's resources.</summary>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Adds a socket of this node to rooms (Node's <c>addAll</c>, which may return a promise). An
    /// adapter that keeps rooms in memory completes synchronously; one that persists them may not.
    /// </summary>
    public abstract ValueTask AddAllAsync(string id, IEnumerable<string> rooms);

    /// <summary>Removes a socket of this node from a room (Node's <c>del</c>; see <see cref="AddAllAsync"/>).</summary>
    public abstract ValueTask DelAsync(string id, string room);

    /// <summary>Removes a socket of this node from every room.</summary>
    public abstract void DelAll(string id);

    /// <summary>The rooms a socket of this node is in, or null if it is unknown (Node's <c>adapter.sids.get(id)</c>).</summary>
    public abstract IReadOnlySet<string>? SocketRooms(string id);

    /// <summary>
    /// The ids of this node's sockets in a room, or null if it has none here (Node's
    /// <c>adapter.rooms.get(room)</c>): a copy, the room may change right after.
    /// </summary>
    public abstract IReadOnlySet<string>? RoomMembers(string room);

    /// <summary>A snapshot of this node's rooms and their members (Node's <c>adapter.rooms</c>).</summary>
    public abstract IReadOnlyDictionary<string, IReadOnlySet<string>> GetRooms();

    /// <summary>Sends a packet to every targeted socket, encoding it once.</summary>
    public abstract void Broadcast(OutgoingPacket packet, BroadcastOptions options);

    /// <summary>
    /// Sends a packet that expects acknowledgements: <paramref name="clientCountCallback"/> is told
    /// how many sockets were reached (once per node), <paramref name="ack"/> receives each answer.
    /// </summary>
    public abstract void BroadcastWithAck(OutgoingPacket packet, BroadcastOptions options, Action<int> clientCountCallback, Action<SocketIOArguments> ack);

    /// <summary>The ids of the sockets in the given rooms (all sockets when empty).</summary>
    public abstract Task<IReadOnlySet<string>> SocketsAsync(IReadOnlySet<string> rooms);

    /// <summary>The targeted sockets, local and remote.</summary>
    public abstract Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(BroadcastOptions options);

    /// <summary>Makes the targeted sockets join rooms.</summary>
    public abstract Task AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms);

    /// <summary>Makes the targeted sockets leave rooms.</summary>
    public abstract Task DelSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms);

    /// <summary>Disconnects the targeted sockets; <paramref name="close"/> also closes their connections.</summary>
    public abstract Task DisconnectSocketsAsync(BroadcastOptions options, bool close);

    /// <summary>Sends an event to the other nodes of the cluster (none for a single node).</summary>
    public abstract Task ServerSideEmitAsync(object?[] packet);

    /// <summary>Sends an event to the other nodes and gathers their acknowledgements within <paramref name="timeout"/>.</summary>
    public abstract Task<IReadOnlyList<SocketIOArguments>> ServerSideEmitWithAckAsync(object?[] packet, TimeSpan timeout);

    /// <summary>How many nodes the cluster has.</summary>
    public virtual Task<int> ServerCountAsync() => Task.FromResult(1);

    /// <summary>
    /// The offset of the newest recoverable packet logged (by any node), or null when recovery is
    /// not supported: where a socket that connects now starts missing packets. Asked once the
    /// socket is registered, so that any later packet reaches it live.
    /// </summary>
    public virtual Task<string?> LatestOffsetAsync() => Task.FromResult<string?>(null);

    /// <summary>
    /// Keeps the state of a socket that disconnected unexpectedly, for the recovery window (Node's
    /// <c>persistSession</c>). The default adapter keeps nothing.
    /// </summary>
    public virtual Task PersistSessionAsync(PersistedSession session) => Task.CompletedTask;

    /// <summary>
    /// Takes back a session (Node's <c>restoreSession</c>): null if it is unknown, expired, or if
    /// packets after <paramref name="offset"/> (the session's own offset when null) are no longer
    /// kept. A session is restored at most once. The result's <see cref="PersistedSession.Offset"/>
    /// is the offset the client's missed packets follow.
    /// </summary>
    public virtual Task<PersistedSession?> RestoreSessionAsync(string pid, string? offset) => Task.FromResult<PersistedSession?>(null);

    /// <summary>
    /// The recoverable packets a restored session missed, in order: those after its offset that
    /// reached any of its rooms (and none of the excluded ones). Null if they are no longer all kept.
    /// </summary>
    public virtual Task<IReadOnlyList<OutgoingPacket>?> FetchMissedPacketsAsync(PersistedSession session) =>
        Task.FromResult<IReadOnlyList<OutgoingPacket>?>(null);

    /// <summary>
    /// Whether connection state recovery logs a packet (Node's rule): an event, without
    /// acknowledgement (a callback cannot be restored), not volatile.
    /// </summary>
    public static bool IsRecoverable(OutgoingPacket packet, BroadcastOptions options)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(options);
        return packet.Type is Protocol.SocketIOPacketType.Event or Protocol.SocketIOPacketType.BinaryEvent
            && packet.Id is null
            && !options.Flags.Volatile;
    }

    /// <summary>
    /// Whether a logged packet reached a socket in <paramref name="rooms"/>: it targeted one of
    /// them (or everyone) and excluded none of them.
    /// </summary>
    public static bool Reaches(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rooms);
        var included = options.Rooms.Count == 0;
        foreach (var room in rooms)
        {
            if (options.Except.Contains(room))
            {
                return false;
            }

            included = included || options.Rooms.Contains(room);
        }

        return included;
    }

    /// <summary>The recovery options of the server, null when recovery is off.</summary>
    protected ConnectionStateRecoveryOptions? RecoveryOptions => Namespace.Server.Options.ConnectionStateRecovery;

    /// <summary>Tells the application that a session ended without being recovered (<see cref="Namespace.SessionExpired"/>).</summary>
    protected void OnSessionExpired(PersistedSession session) => Namespace.OnSessionExpired(session);

    /// <summary>
    /// The options event arguments are serialized with (the server's, with Socket.IO's binary and
    /// JavaScript number handling): what a cluster adapter uses to encode arguments for other nodes,
    /// so that remote clients receive the same JSON as local ones.
    /// </summary>
    protected JsonSerializerOptions SerializerOptions => Namespace.Server.Encoder.SerializerOptions;

    /// <summary>
    /// Wraps plain values received from another node (an acknowledgement, the arguments of a
    /// server-side event) as <see cref="SocketIOArguments"/>, as if a client had sent them:
    /// <c>byte[]</c> values at any depth become binary attachments.
    /// </summary>
    protected SocketIOArguments CreateArguments(IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var array = values as object?[] ?? [.. values];
        return new SocketIOArguments(Namespace.Server.Encoder.ToPacket(Namespace.Name, array), 0, SerializerOptions);
    }

    /// <summary>Raises <see cref="RoomCreated"/>.</summary>
    protected void OnRoomCreated(string room) => RoomCreated?.Invoke(room);

    /// <summary>Raises <see cref="RoomDeleted"/>.</summary>
    protected void OnRoomDeleted(string room) => RoomDeleted?.Invoke(room);

    /// <summary>Raises <see cref="RoomJoined"/>.</summary>
    protected void OnRoomJoined(string room, string id) => RoomJoined?.Invoke(room, id);

    /// <summary>Raises <see cref="RoomLeft"/>.</summary>
    protected void OnRoomLeft(string room, string id) => RoomLeft?.Invoke(room, id);
}
