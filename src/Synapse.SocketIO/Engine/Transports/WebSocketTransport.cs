using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text.Unicode;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Synapse.SocketIO.Engine.Transports;

/// <summary>
/// The WebSocket transport, framed by hand on Kestrel's upgraded connection: it reads frames
/// straight out of the connection's pipe and writes each batch of queued packets as consecutive
/// frames, flushed every <see cref="FlushThreshold"/> bytes (large payloads go to the connection
/// as they are, without a copy), so a batch costs no buffer of its own size.
/// </summary>
/// <remarks>
/// The writer runs only while there is something to write: <see cref="Wake"/> queues it to the
/// thread pool, and it returns once it finds nothing more. An idle connection thus keeps no
/// parked loop (an async state machine and the signal it waits on, about 200 bytes), and the
/// hop through the thread pool still lets packets queued meanwhile go out in the same write.
/// </remarks>
internal sealed partial class WebSocketTransport : EngineTransport, IThreadPoolWorkItem
{
    private const ushort NormalClosure = 1000;
    private const ushort ProtocolError = 1002;
    private const ushort InvalidPayload = 1007;
    private const ushort MessageTooBig = 1009;

    // Small frames are gathered up to this size per write; larger payloads are written directly.
    private const int FlushThreshold = 64 * 1024;

    // The writer's states: it has not started (RunAsync starts it), is not needed, is queued or
    // writing, was woken again while so, or has written the close frame (or failed) for good.
    private const int WriterNotStarted = 0;
    private const int WriterIdle = 1;
    private const int WriterRunning = 2;
    private const int WriterRerun = 3;
    private const int WriterDone = 4;

    private readonly EngineServer _server;
    private WebSocketConnection? _connection;
    private PipeReader _input = null!;
    private FrameWriter _output = null!;
    private readonly object _gate = new();
    private int _writer;
    // Under _gate: whether the writer is done, and what RunAsync waits on until it is.
    private bool _writerFinished;
    private TaskCompletionSource? _writerExited;
    private List<EnginePacket> _batch = new();
    // Control frames to send (pongs, the probe's answer): rare, so created when one is queued.
    private List<(WebSocketOpcode Opcode, byte[] Payload)>? _control;
    private EngineSocket _socket = null!;
    private bool _probing;
    private bool _closeRequested;
    private ushort _closeStatus = NormalClosure;
    private string? _closeReason;
    private Exception? _closeError;
    private bool _clientInitiated;
    private byte[]? _fragments;
    private int _fragmentLength;
    private WebSocketOpcode _fragmentOpcode;
    private bool _fragmentCompressed;
    // Null unless the client negotiated permessage-deflate: connections without it carry nothing more.
    private PerMessageDeflate? _deflate;

    public WebSocketTransport(EngineServer server) => _server = server;

    public override string Name => "websocket";

    /// <summary>Whether the connection runs handed off from Kestrel's HTTP layer (<c>UseEngineIOWebSocketHandoff</c>).</summary>
    internal bool HandedOff => _connection?.HandedOff == true;

    /// <summary>The permessage-deflate state, when the connection negotiated it.</summary>
    internal PerMessageDeflate? Deflate => _deflate;

    public override void Wake()
    {
        while (true)
        {
            switch (Volatile.Read(ref _writer))
            {
                case WriterIdle:
                    if (Interlocked.CompareExchange(ref _writer, WriterRunning, WriterIdle) == WriterIdle)
                    {
                        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
                        return;
                    }

                    break;
                case WriterRunning:
                    if (Interlocked.CompareExchange(ref _writer, WriterRerun, WriterRunning) == WriterRunning)
                    {
                        return;
                    }

                    break;
                default:
                    // Not started (it will look when it starts), already woken, or done.
                    return;
            }
        }
    }

    void IThreadPoolWorkItem.Execute() => _ = WriteAsync();

    public override void Shutdown(bool clientInitiated) => RequestClose(NormalClosure, null, null);

    public override void Abort()
    {
        RequestClose(NormalClosure, EngineCloseReason.SendBufferFull, null);
        // A client that stopped reading never lets the pending write finish, nor a close frame out.
        _connection?.Abort();
    }

    /// <summary>Runs the transport until the connection ends; <paramref name="probing"/> for an upgrade.</summary>
    public async Task RunAsync(WebSocketConnection connection, EngineSocket socket, bool probing)
    {
        _connection = connection;
        _input = connection.Input;
        _output = connection.Output;
        _deflate = connection.Deflate;
        _socket = socket;
        _probing = probing;
        // The open packet was queued before this transport existed.
        Volatile.Write(ref _writer, WriterRunning);
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        try
        {
            // The read loop is this method's own (not a method of its own): one async state
            // machine fewer kept for every open connection.
            while (true)
            {
                var result = await _input.ReadAsync();
                if (!ProcessReadResult(result))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ConnectionAbortedException or ConnectionResetException)
        {
            RequestClose(NormalClosure, EngineCloseReason.TransportClose, ex);
        }

        RequestClose(NormalClosure, EngineCloseReason.TransportClose, null);
        Task? writerExited = null;
        lock (_gate)
        {
            if (!_writerFinished)
            {
                // Created only now: a connection that is open waits on nothing.
                _writerExited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                writerExited = _writerExited.Task;
            }
        }

        if (writerExited is not null)
        {
            await writerExited;
        }

        string reason;
        Exception? error;
        lock (_gate)
        {
            reason = _closeReason ?? EngineCloseReason.TransportClose;
            error = _closeError;
        }

        if (_probing)
        {
            // A probe that never completed leaves the session on long-polling.
            _socket.AbortUpgrade(this);
        }
        else
        {
            _socket.OnClose(reason, error, _clientInitiated);
        }

        await connection.CompleteAsync();
        // Both loops are over: nothing inflates any more.
        _deflate?.Dispose();
    }

    private void RequestClose(ushort status, string? reason, Exception? error)
    {
        lock (_gate)
        {
            if (_closeRequested)
            {
                return;
            }

            _closeRequested = true;
            _closeStatus = status;
            _closeReason = reason;
            _closeError = error;
        }

        Wake();
    }

    private void Fail(ushort status, string reason, string message) =>
        RequestClose(status, reason, new InvalidDataException(message));

    /// <summary>Handles the frames of one read; false when reading must stop.</summary>
    private bool ProcessReadResult(ReadResult result)
    {
        var buffer = result.Buffer;
        var stop = false;
        try
        {
            while (!stop && TryProcessFrame(ref buffer, out stop))
            {
            }
        }
        finally
        {
            _input.AdvanceTo(buffer.Start, buffer.End);
        }

        return !(stop || result.IsCompleted || result.IsCanceled);
    }

    /// <summary>Handles one complete frame at the start of <paramref name="buffer"/>; false if it is not all there yet.</summary>
    private bool TryProcessFrame(ref ReadOnlySequence<byte> buffer, out bool stop)
    {
        stop = false;
        Span<byte> head = stackalloc byte[14];
        var available = (int)Math.Min(head.Length, buffer.Length);
        buffer.Slice(0, available).CopyTo(head);
        if (!WebSocketFrameHeader.TryRead(head[..available], out var header))
        {
            return false;
        }

        var isControl = ((byte)header.Opcode & 0x8) != 0;
        // RSV1 marks a compressed message: only with permessage-deflate, and only on a data message's first frame.
        var badRsv1 = header.Rsv1 && (_deflate is null || isControl || header.Opcode == WebSocketOpcode.Continuation);
        if (!header.Masked || header.ReservedBitsSet || badRsv1 || !IsKnown(header.Opcode) || (isControl && (!header.Fin || header.PayloadLength > 125)))
        {
            Fail(ProtocolError, EngineCloseReason.TransportError, "invalid WebSocket frame");
            stop = true;
            return false;
        }

        // Subtracted rather than added: a declared length near long.MaxValue must not overflow past the check.
        if (!isControl && header.PayloadLength > _server.Options.MaxHttpBufferSize - _fragmentLength)
        {
            // Refused on the declared length: the payload is never buffered.
            Fail(MessageTooBig, EngineCloseReason.TransportError, "max payload size exceeded");
            stop = true;
            return false;
        }

        var frameLength = header.HeaderLength + header.PayloadLength;
        if (buffer.Length < frameLength)
        {
            return false;
        }

        var payload = buffer.Slice(header.HeaderLength, header.PayloadLength);
        buffer = buffer.Slice(frameLength);

        switch (header.Opcode)
        {
            case WebSocketOpcode.Ping:
                QueueControl(WebSocketOpcode.Pong, Unmask(payload, header.MaskKey));
                return true;
            case WebSocketOpcode.Pong:
                return true;
            case WebSocketOpcode.Close:
                var body = Unmask(payload, header.MaskKey);
                var status = body.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(body) : NormalClosure;
                if (body.Length == 1 || !IsValidCloseStatus(status))
                {
                    // Echoing a status that may not appear on the wire would be a protocol error of our own.
                    status = ProtocolError;
                }

                _clientInitiated = true;
                RequestClose(status, EngineCloseReason.TransportClose, null);
                stop = true;
                return false;
            case WebSocketOpcode.Continuation:
                if (_fragments is null)
                {
                    Fail(ProtocolError, EngineCloseReason.TransportError, "unexpected continuation frame");
                    stop = true;
                    return false;
                }

                AppendFragment(payload, header.MaskKey);
                break;
            default:
                if (_fragments is not null)
                {
                    Fail(ProtocolError, EngineCloseReason.TransportError, "expected a continuation frame");
                    stop = true;
                    return false;
                }

                if (header.Fin)
                {
                    stop = header.Rsv1
                        ? !DeliverCompressed(header.Opcode, payload, header.MaskKey)
                        : !Deliver(header.Opcode, Unmask(payload, header.MaskKey));
                    return !stop;
                }

                _fragmentOpcode = header.Opcode;
                _fragmentCompressed = header.Rsv1;
                _fragments = new byte[Math.Max(256, (int)header.PayloadLength * 2)];
                _fragmentLength = 0;
                AppendFragment(payload, header.MaskKey);
                break;
        }

        if (header.Fin)
        {
            var fragments = _fragments.AsMemory(0, _fragmentLength);
            var opcode = _fragmentOpcode;
            _fragments = null;
            _fragmentLength = 0;
            stop = _fragmentCompressed
                ? !DeliverCompressed(opcode, fragments)
                : !Deliver(opcode, fragments.ToArray());
            return !stop;
        }

        return true;
    }

    // RFC 6455 7.4: the defined statuses a peer may send, and the ranges for libraries and applications.
    private static bool IsValidCloseStatus(ushort status) => status is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);

    private static bool IsKnown(WebSocketOpcode opcode) => opcode is WebSocketOpcode.Continuation or WebSocketOpcode.Text
        or WebSocketOpcode.Binary or WebSocketOpcode.Close or WebSocketOpcode.Ping or WebSocketOpcode.Pong;

    private static byte[] Unmask(ReadOnlySequence<byte> payload, uint mask)
    {
        var data = payload.ToArray();
        WebSocketFrameHeader.Unmask(data, mask, 0);
        return data;
    }

    private void AppendFragment(ReadOnlySequence<byte> payload, uint mask)
    {
        var needed = _fragmentLength + (int)payload.Length;
        if (needed > _fragments!.Length)
        {
            Array.Resize(ref _fragments, Math.Max(needed, _fragments.Length * 2));
        }

        var target = _fragments.AsSpan(_fragmentLength, (int)payload.Length);
        payload.CopyTo(target);
        WebSocketFrameHeader.Unmask(target, mask, 0);
        _fragmentLength = needed;
    }

    /// <summary>Inflates and handles a compressed single-frame message (unmasked into a pooled buffer).</summary>
    private bool DeliverCompressed(WebSocketOpcode opcode, ReadOnlySequence<byte> payload, uint mask)
    {
        var length = (int)payload.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            payload.CopyTo(rented);
            WebSocketFrameHeader.Unmask(rented.AsSpan(0, length), mask, 0);
            return DeliverCompressed(opcode, rented.AsMemory(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Inflates and handles a compressed message; false when the transport must stop reading.</summary>
    private bool DeliverCompressed(WebSocketOpcode opcode, ReadOnlyMemory<byte> compressed)
    {
        switch (_deflate!.Inflate(compressed, _server.Options.MaxHttpBufferSize, out var message))
        {
            case InflateResult.TooLarge:
                // Checked while inflating: the message is never held beyond the limit.
                Fail(MessageTooBig, EngineCloseReason.TransportError, "max payload size exceeded");
                return false;
            case InflateResult.Invalid:
                Fail(InvalidPayload, EngineCloseReason.TransportError, "invalid compressed data");
                return false;
            default:
                return Deliver(opcode, message);
        }
    }

    /// <summary>Handles a complete message; false when the transport must stop reading.</summary>
    private bool Deliver(WebSocketOpcode opcode, byte[] message)
    {
        EnginePayloadDecoder.Packet packet;
        if (opcode == WebSocketOpcode.Binary)
        {
            packet = new EnginePayloadDecoder.Packet(EnginePacketType.Message, message, true);
        }
        else if (!Utf8.IsValid(message))
        {
            Fail(InvalidPayload, EngineCloseReason.TransportError, "invalid UTF-8 in a text frame");
            return false;
        }
        else if (message.Length > 0 && message[0] >= (byte)'0' && message[0] <= (byte)'6')
        {
            // The common case: slice the frame rather than copy it.
            packet = new EnginePayloadDecoder.Packet((EnginePacketType)(message[0] - '0'), message.AsMemory(1), false);
        }
        else if (!EnginePayloadDecoder.TryDecode(message, out packet))
        {
            if (_probing)
            {
                Fail(NormalClosure, EngineCloseReason.TransportError, "invalid packet during upgrade");
            }
            else
            {
                _socket.OnClose(EngineCloseReason.ParseError);
            }

            return false;
        }

        if (_probing)
        {
            return OnProbePacket(packet);
        }

        _socket.OnPacket(packet.Type, packet.Data, packet.IsBinary);
        return _socket.ReadyState != EngineReadyState.Closed;
    }

    private bool OnProbePacket(EnginePayloadDecoder.Packet packet)
    {
        if (packet.Type == EnginePacketType.Ping && !packet.IsBinary && packet.Data.Span.SequenceEqual("probe"u8))
        {
            QueueControl(WebSocketOpcode.Text, EnginePacket.PongProbe.Encoded.ToArray());
            _socket.OnProbe(this);
            return true;
        }

        if (packet.Type == EnginePacketType.Upgrade && _socket.CompleteUpgrade(this))
        {
            _probing = false;
            return true;
        }

        // Anything else before the upgrade completes ends the probe, as in Node.
        Fail(NormalClosure, EngineCloseReason.TransportError, "unexpected packet during upgrade");
        return false;
    }

    private void QueueControl(WebSocketOpcode opcode, byte[] payload)
    {
        lock (_gate)
        {
            (_control ??= []).Add((opcode, payload));
        }

        Wake();
    }

    /// <summary>One run of the writer: writes until nothing is left, or for good once the close frame is out.</summary>
    private async Task WriteAsync()
    {
        try
        {
            while (true)
            {
                // Takes the wake-ups so far: whatever is queued from here on wakes the writer again.
                Volatile.Write(ref _writer, WriterRunning);

                List<(WebSocketOpcode Opcode, byte[] Payload)>? control;
                bool close;
                lock (_gate)
                {
                    control = _control;
                    _control = null;
                    close = _closeRequested;
                }

                var wrote = control is not null;
                if (control is not null)
                {
                    foreach (var (opcode, payload) in control)
                    {
                        WriteFrame(opcode, payload);
                    }
                }

                var batch = !close && !_probing && _socket.TryTakeBatch(this, ref _batch);
                if (batch)
                {
                    await WriteBatchAsync();
                    wrote = true;
                }

                if (wrote)
                {
                    // A connection that went away surfaces here as an exception (handled below).
                    await _output.FlushAsync();
                    if (batch)
                    {
                        _socket.OnBatchWritten(_batch);
                        _batch.Clear();
                    }

                    continue;
                }

                if (close)
                {
                    await WriteCloseAsync();
                    break;
                }

                if (!_probing && _socket.IsClosing && _socket.IsActive(this))
                {
                    // Everything queued before Close() is out: finish the close now.
                    _socket.OnCloseDelivered();
                    continue;
                }

                // Nothing left: the writer stops, unless it was woken meanwhile.
                if (Interlocked.CompareExchange(ref _writer, WriterIdle, WriterRunning) == WriterRunning)
                {
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            if (ex is not (IOException or OperationCanceledException or ConnectionAbortedException or ConnectionResetException or InvalidOperationException or ObjectDisposedException))
            {
                // Not a connection that went away: a fault of ours, which must not leave RunAsync waiting.
                Log.WriterFailed(_server.SocketLogger, _socket.Id, ex);
            }

            RequestClose(NormalClosure, EngineCloseReason.TransportError, ex);
            _input.CancelPendingRead();
        }

        Volatile.Write(ref _writer, WriterDone);
        TaskCompletionSource? exited;
        lock (_gate)
        {
            _writerFinished = true;
            exited = _writerExited;
        }

        exited?.TrySetResult();
    }

    private async Task WriteBatchAsync()
    {
        foreach (var packet in _batch)
        {
            var opcode = packet.IsBinary ? WebSocketOpcode.Binary : WebSocketOpcode.Text;
            var payload = packet.Encoded;
            var compressed = false;
            if (_deflate is { } deflate && packet.Compress && payload.Length >= deflate.Options.Threshold)
            {
                // Compressed once per packet, however many connections it is queued to.
                payload = packet.GetDeflated(deflate.Options.CompressionLevel);
                compressed = true;
                deflate.OnDeflated();
            }

            if (payload.Length >= FlushThreshold)
            {
                WriteFrameHeader(_output, opcode, payload.Length, compressed);
                await _output.WriteDirectAsync(payload);
                continue;
            }

            WriteFrame(_output, opcode, payload.Span, compressed);
            if (_output.Buffered >= FlushThreshold)
            {
                await _output.FlushAsync();
            }
        }
    }

    private async Task WriteCloseAsync()
    {
        ushort status;
        lock (_gate)
        {
            status = _closeStatus;
        }

        WriteCloseFrame(status);
        try
        {
            await _output.FlushAsync();
        }
        finally
        {
            _input.CancelPendingRead();
        }
    }

    /// <summary>Sends a normal close frame on a connection that will carry nothing else.</summary>
    public static async Task CloseAtOnceAsync(WebSocketConnection connection)
    {
        WriteCloseFrame(connection.Output, NormalClosure);
        await connection.Output.FlushAsync();
        await connection.CompleteAsync();
    }

    private void WriteCloseFrame(ushort status) => WriteCloseFrame(_output, status);

    private static void WriteCloseFrame(FrameWriter output, ushort status)
    {
        Span<byte> body = stackalloc byte[2];
        // 1005, 1006 and 1015 must never appear on the wire.
        BinaryPrimitives.WriteUInt16BigEndian(body, status is 1005 or 1006 or 1015 ? NormalClosure : status);
        WriteFrame(output, WebSocketOpcode.Close, body);
    }

    private void WriteFrame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload) => WriteFrame(_output, opcode, payload);

    private static void WriteFrame(FrameWriter output, WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool rsv1 = false)
    {
        WriteFrameHeader(output, opcode, payload.Length, rsv1);
        output.Write(payload);
    }

    private static void WriteFrameHeader(FrameWriter output, WebSocketOpcode opcode, int payloadLength, bool rsv1 = false)
    {
        var header = output.GetSpan(WebSocketFrameHeader.MaxServerHeaderLength);
        output.Advance(WebSocketFrameHeader.WriteServerHeader(header, opcode, payloadLength, rsv1));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "The WebSocket writer of Engine.IO session {Sid} failed.")]
        public static partial void WriterFailed(ILogger logger, string sid, Exception exception);
    }
}
