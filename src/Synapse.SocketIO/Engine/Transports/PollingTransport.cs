using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Synapse.SocketIO.Internal;

namespace Synapse.SocketIO.Engine.Transports;

/// <summary>
/// HTTP long-polling: a GET waits until packets are queued and takes them all in one response;
/// a POST carries the client's packets. One of each at a time, as the protocol requires.
/// </summary>
internal sealed class PollingTransport : EngineTransport
{
    private static readonly byte[] Ok = "ok"u8.ToArray();

    private readonly EngineServer _server;
    private readonly AsyncSignal _signal = new();
    private readonly object _gate = new();
    private EngineSocket _socket = null!;
    private List<EnginePacket> _batch = new();
    private bool _getPending;
    private bool _postPending;
    private bool _shutdown;
    private bool _shutdownByClient;
    private HttpContext? _writing;

    public PollingTransport(EngineServer server) => _server = server;

    public override string Name => "polling";

    public override bool IsWritable => Volatile.Read(ref _getPending);

    internal void Attach(EngineSocket socket) => _socket = socket;

    public override void Wake() => _signal.Set();

    public override void Shutdown(bool clientInitiated)
    {
        lock (_gate)
        {
            if (_shutdown)
            {
                return;
            }

            _shutdown = true;
            _shutdownByClient = clientInitiated;
        }

        _signal.Set();
    }

    public override void Abort()
    {
        HttpContext? writing;
        lock (_gate)
        {
            writing = _writing;
        }

        Shutdown(clientInitiated: false);
        // A response stuck on a client that does not read would hold its payload: drop it.
        writing?.Abort();
    }

    public async Task HandleGetAsync(HttpContext context)
    {
        bool overlap;
        lock (_gate)
        {
            overlap = _getPending;
            _getPending = true;
        }

        if (overlap)
        {
            // Overlapping polls would reorder packets: the spec closes the session.
            // (_getPending stays set: the first GET clears it when it ends.)
            await EngineServer.WriteErrorAsync(context, EngineErrorCode.BadRequest);
            _socket.OnClose(EngineCloseReason.TransportError, new InvalidOperationException("overlap from client"));
            return;
        }

        var aborted = context.RequestAborted;
        await using var registration = aborted.UnsafeRegister(static state => ((AsyncSignal)state!).Set(), _signal);
        try
        {
            while (true)
            {
                if (aborted.IsCancellationRequested)
                {
                    _socket.OnClose(EngineCloseReason.TransportError, new IOException("poll connection closed prematurely"));
                    return;
                }

                bool shutdown, byClient;
                lock (_gate)
                {
                    shutdown = _shutdown;
                    byClient = _shutdownByClient;
                }

                if (_socket.TryTakeBatch(this, ref _batch))
                {
                    var closing = _batch.Contains(EnginePacket.Close);
                    try
                    {
                        SetWriting(context);
                        await WritePayloadAsync(context, _batch);
                        if (!closing)
                        {
                            _socket.OnBatchWritten(_batch);
                        }
                    }
                    finally
                    {
                        SetWriting(null);
                        _batch.Clear();
                    }

                    if (closing)
                    {
                        _socket.OnCloseDelivered();
                    }

                    return;
                }

                if (shutdown)
                {
                    // A close the client asked for (or an upgrade) only needs the poll released.
                    await WritePayloadAsync(context, [byClient ? EnginePacket.Noop : EnginePacket.Close]);
                    return;
                }

                if (_socket.IsProbed)
                {
                    await WritePayloadAsync(context, [EnginePacket.Noop]);
                    return;
                }

                await _signal.WaitAsync();
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ConnectionAbortedException)
        {
            _socket.OnClose(EngineCloseReason.TransportError, ex);
        }
        finally
        {
            lock (_gate)
            {
                _getPending = false;
            }
        }
    }

    private void SetWriting(HttpContext? context)
    {
        lock (_gate)
        {
            _writing = context;
        }
    }

    public async Task HandlePostAsync(HttpContext context)
    {
        bool overlap;
        lock (_gate)
        {
            overlap = _postPending;
            _postPending = true;
        }

        if (overlap)
        {
            await EngineServer.WriteErrorAsync(context, EngineErrorCode.BadRequest);
            _socket.OnClose(EngineCloseReason.TransportError, new InvalidOperationException("data request overlap from client"));
            return;
        }

        try
        {
            await ReceiveAsync(context);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ConnectionAbortedException or BadHttpRequestException)
        {
            _socket.OnClose(EngineCloseReason.TransportError, ex);
        }
        finally
        {
            lock (_gate)
            {
                _postPending = false;
            }
        }
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        var request = context.Request;
        if (string.Equals(request.ContentType, "application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            // Protocol v4 carries binary as base64 text; raw binary bodies are a v3 client.
            await EngineServer.WriteErrorAsync(context, EngineErrorCode.BadRequest);
            _socket.OnClose(EngineCloseReason.TransportError, new InvalidDataException("invalid content"));
            return;
        }

        var limit = _server.Options.MaxHttpBufferSize;
        if (request.ContentLength > limit)
        {
            await WritePayloadTooLargeAsync(context);
            return;
        }

        var reader = request.BodyReader;
        ReadResult result;
        while (true)
        {
            result = await reader.ReadAsync(context.RequestAborted);
            if (result.Buffer.Length > limit)
            {
                // Refuse as soon as the limit is crossed rather than buffering the rest.
                reader.AdvanceTo(result.Buffer.End);
                await WritePayloadTooLargeAsync(context);
                return;
            }

            if (result.IsCompleted)
            {
                break;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }

        bool valid;
        try
        {
            valid = Dispatch(result.Buffer);
        }
        finally
        {
            reader.AdvanceTo(result.Buffer.End);
        }

        if (!valid)
        {
            await EngineServer.WriteErrorAsync(context, EngineErrorCode.BadRequest);
            return;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        // text/html rather than text/plain avoids a download dialog on some user agents (as Node does).
        response.ContentType = "text/html";
        response.ContentLength = Ok.Length;
        response.Headers.CacheControl = "no-store";
        await response.Body.WriteAsync(Ok, context.RequestAborted);
    }

    /// <summary>Hands each packet of the payload to the session; false on a malformed payload.</summary>
    private bool Dispatch(ReadOnlySequence<byte> body)
    {
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> payload;
            if (body.IsSingleSegment)
            {
                payload = body.FirstSpan;
            }
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)body.Length);
                body.CopyTo(rented);
                payload = rented.AsSpan(0, (int)body.Length);
            }

            bool error;
            var finished = false;
            while (EnginePayloadDecoder.TryReadPacket(ref payload, ref finished, out var packet, out error))
            {
                _socket.OnPacket(packet.Type, packet.Data, packet.IsBinary);
                if (packet.Type == EnginePacketType.Close || _socket.ReadyState == EngineReadyState.Closed)
                {
                    return true;
                }
            }

            if (error)
            {
                _socket.OnClose(EngineCloseReason.ParseError);
                return false;
            }

            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static Task WritePayloadTooLargeAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    private async Task WritePayloadAsync(HttpContext context, List<EnginePacket> packets)
    {
        var length = packets.Count - 1;
        foreach (var packet in packets)
        {
            length += packet.PollingEncoded.Length;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain; charset=UTF-8";
        response.Headers.CacheControl = "no-store";

        // As in Node: compressed only when some packet of the response may be (sent without compress: false).
        var compression = _server.Options.HttpCompression;
        var encoding = compression is not null && length >= compression.Threshold && AnyCompressible(packets)
            ? ChooseEncoding(context.Request.Headers.AcceptEncoding)
            : null;

        if (encoding is null)
        {
            response.ContentLength = length;
            Fill(response.BodyWriter, packets, length);
            await response.BodyWriter.FlushAsync(context.RequestAborted);
            return;
        }

        var raw = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var writer = new ArrayBufferSpanWriter(raw);
            Fill(ref writer, packets);
            using var compressed = new MemoryStream(capacity: length / 2 + 64);
            await using (Stream z = encoding == "gzip"
                ? new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true)
                : new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                z.Write(raw, 0, length);
            }

            response.Headers.ContentEncoding = encoding;
            response.ContentLength = compressed.Length;
            await response.Body.WriteAsync(compressed.GetBuffer().AsMemory(0, (int)compressed.Length), context.RequestAborted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private static bool AnyCompressible(List<EnginePacket> packets)
    {
        foreach (var packet in packets)
        {
            if (packet.Compress)
            {
                return true;
            }
        }

        return false;
    }

    private static void Fill(PipeWriter writer, List<EnginePacket> packets, int length)
    {
        var span = writer.GetSpan(length);
        if (span.Length >= length)
        {
            var spanWriter = new ArrayBufferSpanWriter(span);
            Fill(ref spanWriter, packets);
            writer.Advance(length);
            return;
        }

        for (var i = 0; i < packets.Count; i++)
        {
            if (i > 0)
            {
                writer.Write([EnginePayloadDecoder.RecordSeparator]);
            }

            writer.Write(packets[i].PollingEncoded);
        }
    }

    private static void Fill(ref ArrayBufferSpanWriter writer, List<EnginePacket> packets)
    {
        for (var i = 0; i < packets.Count; i++)
        {
            if (i > 0)
            {
                writer.Write(EnginePayloadDecoder.RecordSeparator);
            }

            writer.Write(packets[i].PollingEncoded);
        }
    }

    /// <summary>Picks gzip or deflate from Accept-Encoding by quality (gzip wins ties), or null.</summary>
    internal static string? ChooseEncoding(StringValues acceptEncoding)
    {
        string? best = null;
        var bestQuality = 0.0;
        var wildcard = -1.0;
        foreach (var header in acceptEncoding)
        {
            if (header is null)
            {
                continue;
            }

            foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var semicolon = part.IndexOf(';');
                var name = (semicolon < 0 ? part : part[..semicolon]).Trim();
                var quality = 1.0;
                if (semicolon >= 0)
                {
                    var parameter = part[(semicolon + 1)..].Trim();
                    if (parameter.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                        && !double.TryParse(parameter[2..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out quality))
                    {
                        quality = 0;
                    }
                }

                if (name == "*")
                {
                    wildcard = quality;
                    continue;
                }

                var candidate = name.Equals("gzip", StringComparison.OrdinalIgnoreCase) ? "gzip"
                    : name.Equals("deflate", StringComparison.OrdinalIgnoreCase) ? "deflate"
                    : null;
                if (candidate is not null && quality > 0 && (quality > bestQuality || (quality == bestQuality && candidate == "gzip")))
                {
                    best = candidate;
                    bestQuality = quality;
                }
            }
        }

        return best ?? (wildcard > 0 ? "gzip" : null);
    }

    private ref struct ArrayBufferSpanWriter(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;
        private int _position;

        public void Write(byte value) => _destination[_position++] = value;

        public void Write(ReadOnlySpan<byte> value)
        {
            value.CopyTo(_destination[_position..]);
            _position += value.Length;
        }
    }
}
