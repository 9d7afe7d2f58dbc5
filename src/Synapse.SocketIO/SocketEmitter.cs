namespace Synapse.SocketIO;

/// <summary>
/// A socket with emit modifiers applied (<see cref="Socket.Timeout"/>, <see cref="Socket.Volatile"/>,
/// <see cref="Socket.Compress"/>). A value: each modifier returns a new one and leaves the socket as it is.
/// </summary>
public readonly struct SocketEmitter
{
    private readonly Socket _socket;
    private readonly bool _volatile;
    private readonly bool _compress;
    private readonly TimeSpan? _timeout;

    internal SocketEmitter(Socket socket, bool isVolatile, bool compress, TimeSpan? timeout)
    {
        _socket = socket;
        _volatile = isVolatile;
        _compress = compress;
        _timeout = timeout;
    }

    /// <summary>Drops the packet if the client cannot take it right now.</summary>
    public SocketEmitter Volatile => new(_socket, true, _compress, _timeout);

    /// <summary>Whether the packet may be compressed.</summary>
    public SocketEmitter Compress(bool compress) => new(_socket, _volatile, compress, _timeout);

    /// <summary>How long <see cref="EmitWithAckAsync(string, object?[])"/> waits for the acknowledgement.</summary>
    public SocketEmitter Timeout(TimeSpan timeout) => new(_socket, _volatile, _compress, timeout);

    /// <summary>Emits an event to the client.</summary>
    public bool Emit(string eventName, params object?[] args) => _socket.EmitCore(eventName, args, _volatile, _compress);

    /// <summary>Emits an event and waits for the client's acknowledgement.</summary>
    /// <exception cref="SocketIOAckTimeoutException">The timeout elapsed first.</exception>
    public Task<SocketIOArguments> EmitWithAckAsync(string eventName, params object?[] args) =>
        _socket.EmitWithAckCore(eventName, args, _volatile, _compress, _timeout, CancellationToken.None);

    /// <summary>Emits an event and waits for the client's acknowledgement, or until <paramref name="cancellationToken"/> fires.</summary>
    public Task<SocketIOArguments> EmitWithAckAsync(string eventName, object?[] args, CancellationToken cancellationToken) =>
        _socket.EmitWithAckCore(eventName, args, _volatile, _compress, _timeout, cancellationToken);
}
