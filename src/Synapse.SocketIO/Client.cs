using System.Text.Json;
using Microsoft.Extensions.Logging;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO;

/// <summary>
/// Joins one Engine.IO connection to the namespace sockets multiplexed over it (Node's
/// <c>Client</c>): decodes packets, routes them by namespace, and closes the connection on a
/// protocol violation or when no namespace is joined within the connect timeout.
/// </summary>
internal sealed partial class Client : IEngineSocketListener
{
    private static readonly JsonElement EmptyAuth = JsonDocument.Parse("{}").RootElement.Clone();
    private readonly SocketIOServer _server;
    // Most packets are complete in one message and decode without state: they go through a decoder
    // shared by the thread. Only a connection in the middle of a binary packet owns one (see OnMessage).
    [ThreadStatic]
    private static SocketIOPacketDecoder? t_sharedDecoder;

    private SocketIOPacketDecoder? _decoder;

    // The connected sockets, one per namespace, mostly one in all: null, the one Socket itself, or
    // a copy-on-write Socket[] of two or more (replaced under the client's own lock, read without
    // it), which costs far less than a dictionary, or even a one-element array, for every
    // connection. The lock is this object (internal: no one else locks it but its sockets, whose
    // short sections share it), not one more object per connection (benchmark S1).
    private object? _sockets;
    private Timer? _connectTimer;
    private int _connecting;

    public Client(SocketIOServer server, EngineSocket conn)
    {
        _server = server;
        Conn = conn;
        // A direct call rather than two event subscriptions: no delegates per connection.
        conn.Listener = this;
        _connectTimer = new Timer(
            static state => ((Client)state!).OnConnectTimeout(),
            this,
            server.Options.ConnectTimeout,
            System.Threading.Timeout.InfiniteTimeSpan);
    }

    public EngineSocket Conn { get; }

    // The server's: a field per connection would be 8 bytes more for each (benchmark S1).
    private ILogger Logger => _server.ClientLogger;

    /// <summary>
    /// Queues an encoded packet; a volatile one is dropped if the transport is busy, and one with
    /// <paramref name="compress"/> false is never compressed (<c>socket.Compress(false)</c>).
    /// </summary>
    public void Write(EncodedSocketIOPacket packet, bool isVolatile, bool compress = true)
    {
        if (isVolatile && !Conn.CanWriteNow)
        {
            _server.Metrics.VolatileDropped();
            return;
        }

        Conn.Send(packet.EnginePackets, compress);
        if (_server.Metrics.Enabled)
        {
            var bytes = (long)packet.Text.Length;
            for (var i = 0; i < packet.Attachments.Count; i++)
            {
                bytes += packet.Attachments[i].Length;
            }

            _server.Metrics.PacketSent(bytes);
        }
    }

    public void OnSocketConnected(Socket socket)
    {
        lock (this)
        {
            var sockets = Snapshot();
            var index = IndexOf(sockets, socket.Namespace.Name);
            Socket[] updated;
            if (index >= 0)
            {
                updated = (Socket[])sockets.Clone();
                updated[index] = socket;
            }
            else
            {
                updated = [.. sockets, socket];
            }

            Volatile.Write(ref _sockets, updated.Length == 1 ? updated[0] : updated);
        }

        Interlocked.Exchange(ref _connectTimer, null)?.Dispose();
    }

    public void Remove(Socket socket)
    {
        lock (this)
        {
            var sockets = Snapshot();
            var index = Array.IndexOf(sockets, socket);
            if (index >= 0)
            {
                Socket[] updated = [.. sockets[..index], .. sockets[(index + 1)..]];
                Volatile.Write(ref _sockets, updated.Length switch
                {
                    0 => null,
                    1 => updated[0],
                    _ => updated,
                });
            }
        }
    }

    /// <summary>Disconnects every socket of this connection, then closes it (Node's <c>_disconnect</c>).</summary>
    public void DisconnectAll()
    {
        foreach (var socket in Snapshot())
        {
            socket.Disconnect();
        }

        Conn.Close();
    }

    private static SocketIOPacketDecoder SharedDecoder(SocketIODecoderOptions options)
    {
        // Servers with other limits may share the process (and the thread).
        var decoder = t_sharedDecoder;
        if (decoder is null || !ReferenceEquals(decoder.Options, options))
        {
            decoder = t_sharedDecoder = new SocketIOPacketDecoder(options);
        }

        return decoder;
    }

    /// <summary>The connected sockets (the array is never changed in place; for one socket it is a new one).</summary>
    private Socket[] Snapshot() => Volatile.Read(ref _sockets) switch
    {
        null => [],
        Socket one => [one],
        var many => (Socket[])many,
    };

    private int Count => Volatile.Read(ref _sockets) switch
    {
        null => 0,
        Socket => 1,
        var many => ((Socket[])many).Length,
    };

    // For every packet: no array for the common case of one socket.
    private Socket? Find(string name)
    {
        var current = Volatile.Read(ref _sockets);
        if (current is Socket one)
        {
            return string.Equals(one.Namespace.Name, name, StringComparison.Ordinal) ? one : null;
        }

        var sockets = (Socket[]?)current ?? [];
        var index = IndexOf(sockets, name);
        return index >= 0 ? sockets[index] : null;
    }

    private static int IndexOf(Socket[] sockets, string name)
    {
        for (var i = 0; i < sockets.Length; i++)
        {
            if (string.Equals(sockets[i].Namespace.Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private void OnConnectTimeout()
    {
        if (Count == 0)
        {
            Log.ConnectTimeout(Logger, Conn.Id);
            Conn.Close();
        }
    }

    void IEngineSocketListener.OnMessage(EngineSocket conn, EngineMessage message)
    {
        _server.Metrics.BytesReceived(message.Data.Length);
        var decoder = _decoder ?? SharedDecoder(_server.Options.DecoderOptions);
        var result = decoder.Decode(message);
        if (_decoder is null && decoder.IsAwaitingAttachments)
        {
            // A binary packet began: its attachments follow in later messages, maybe on another
            // thread, so the decoder and its state now belong to this connection.
            _decoder = decoder;
            t_sharedDecoder = null;
        }

        if (result.IsFailed)
        {
            OnInvalidPacket(result.Error);
            return;
        }

        if (result.IsCompleted)
        {
            OnPacket(result.Packet);
        }
    }

    /// <summary>A protocol violation ends the whole connection, and only it (Node's <c>onerror</c>: each socket's error, then close).</summary>
    private void OnInvalidPacket(string error)
    {
        Log.InvalidPacket(Logger, Conn.Id, error);
        foreach (var socket in Snapshot())
        {
            socket.OnError(new InvalidDataException(error));
        }

        Conn.Close();
    }

    private void OnPacket(SocketIOPacket packet)
    {
        _server.Metrics.PacketReceived();
        if (packet.IsEvent && IsReservedEvent(packet))
        {
            // socket.io-parser refuses these as an invalid payload: a client may not fake them.
            OnInvalidPacket("invalid payload (reserved event name)");
            return;
        }

        var socket = Find(packet.Namespace);

        if (socket is null && packet.Type == SocketIOPacketType.Connect)
        {
            if (TryBeginConnect())
            {
                _ = ConnectAsync(packet.Namespace, packet.Payload ?? EmptyAuth);
            }
            else
            {
                // Only this namespace is refused; the connection and its other sockets go on.
                Log.TooManyNamespaces(Logger, Conn.Id, packet.Namespace);
                Write(_server.Encoder.EncodeConnectError(packet.Namespace, SocketIOServer.TooManyNamespacesMessage), false);
            }
        }
        else if (socket is not null && packet.Type is not (SocketIOPacketType.Connect or SocketIOPacketType.ConnectError))
        {
            socket.OnPacket(packet);
        }
        else
        {
            Log.InvalidState(Logger, Conn.Id, packet.Type, packet.Namespace);
            ForceClose();
        }
    }

    /// <summary>
    /// Closes the connection for a packet that was valid but out of place (Node's <c>Client.close</c>):
    /// its sockets disconnect with "forced server close", as in Node, rather than the engine's "forced close".
    /// </summary>
    private void ForceClose()
    {
        foreach (var socket in Snapshot())
        {
            socket.OnClose(DisconnectReason.ForcedServerClose);
        }

        Conn.Close();
    }

    private static bool IsReservedEvent(SocketIOPacket packet) =>
        packet.Payload is { ValueKind: JsonValueKind.Array } payload
        && payload.GetArrayLength() > 0
        && payload[0] is { ValueKind: JsonValueKind.String } name
        && Internal.ReservedEvents.Contains(Protocol.Json.JsonStringReader.GetString(name));

    /// <summary>Counts a CONNECT under way against <see cref="SocketIOOptions.MaxNamespacesPerConnection"/>, joined namespaces included.</summary>
    private bool TryBeginConnect()
    {
        if (Count + Volatile.Read(ref _connecting) >= _server.Options.MaxNamespacesPerConnection)
        {
            return false;
        }

        Interlocked.Increment(ref _connecting);
        return true;
    }

    private async Task ConnectAsync(string name, JsonElement auth)
    {
        try
        {
            var nsp = await _server.ResolveNamespaceAsync(name, auth);
            if (nsp is null)
            {
                Write(_server.Encoder.EncodeConnectError(name, "Invalid namespace"), false);
                return;
            }

            await nsp.AddAsync(this, auth);
        }
        catch (Exception ex)
        {
            Log.ConnectFailed(Logger, Conn.Id, name, ex);
            Write(_server.Encoder.EncodeConnectError(name, "Internal server error"), false);
        }
        finally
        {
            Interlocked.Decrement(ref _connecting);
        }
    }

    void IEngineSocketListener.OnClosed(EngineSocket conn, string reason, Exception? error)
    {
        Interlocked.Exchange(ref _connectTimer, null)?.Dispose();
        if (reason == EngineCloseReason.SendBufferFull)
        {
            _server.Metrics.SendBufferFull();
        }

        foreach (var socket in Snapshot())
        {
            socket.OnClose(reason);
        }

        _decoder?.Reset();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Connection {Sid} joined no namespace in time; closing it.")]
        public static partial void ConnectTimeout(ILogger logger, string sid);

        [LoggerMessage(2, LogLevel.Debug, "Connection {Sid} sent an invalid packet ({Error}); closing it.")]
        public static partial void InvalidPacket(ILogger logger, string sid, string error);

        [LoggerMessage(3, LogLevel.Debug, "Connection {Sid} sent {Type} for namespace {Namespace} in the wrong state; closing it.")]
        public static partial void InvalidState(ILogger logger, string sid, SocketIOPacketType type, string @namespace);

        [LoggerMessage(4, LogLevel.Error, "Connecting {Sid} to namespace {Namespace} failed.")]
        public static partial void ConnectFailed(ILogger logger, string sid, string @namespace, Exception exception);

        [LoggerMessage(5, LogLevel.Debug, "Connection {Sid} asked for namespace {Namespace} beyond MaxNamespacesPerConnection; refused.")]
        public static partial void TooManyNamespaces(ILogger logger, string sid, string @namespace);
    }
}
