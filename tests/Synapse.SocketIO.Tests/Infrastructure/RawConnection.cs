using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Synapse.SocketIO.Tests.Infrastructure;

/// <summary>An HTTP response as read off the wire by <see cref="RawConnection"/>.</summary>
public sealed record RawHttpResponse(int StatusCode, string ReasonPhrase, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The first value of a header (case-insensitive name), or null.</summary>
    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Every value of a header.</summary>
    public IEnumerable<string> HeaderValues(string name) => Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);
}

/// <summary>One WebSocket frame as read off the wire; <paramref name="Rsv1"/> marks a compressed message (permessage-deflate).</summary>
public readonly record struct RawFrame(bool Fin, int Opcode, byte[] Payload, bool Rsv1 = false)
{
    /// <summary>Continuation frame opcode.</summary>
    public const int OpContinuation = 0;
    /// <summary>Text frame opcode.</summary>
    public const int OpText = 1;
    /// <summary>Binary frame opcode.</summary>
    public const int OpBinary = 2;
    /// <summary>Close frame opcode.</summary>
    public const int OpClose = 8;
    /// <summary>Ping frame opcode.</summary>
    public const int OpPing = 9;
    /// <summary>Pong frame opcode.</summary>
    public const int OpPong = 10;

    /// <summary>The payload as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Payload);

    /// <summary>The status code of a close frame (1005 when it carries none).</summary>
    public int CloseStatus => Opcode == OpClose && Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : 1005;
}

/// <summary>
/// A raw TCP connection to the test server, for what well-behaved clients cannot do: send
/// malformed HTTP or WebSocket frames, leave a request half-sent, drop a connection mid-request,
/// or read the HTTP response to a refused WebSocket upgrade.
/// </summary>
public sealed class RawConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawConnection(TcpClient client, Uri baseUri)
    {
        _client = client;
        _stream = client.GetStream();
        BaseUri = baseUri;
    }

    /// <summary>The server's base address.</summary>
    public Uri BaseUri { get; }

    /// <summary>The connection's stream.</summary>
    public NetworkStream Stream => _stream;

    /// <summary>
    /// Opens a TCP connection to the host and port of <paramref name="baseUri"/>; a small
    /// <paramref name="receiveBufferSize"/> makes a client that stops reading push back on the server sooner.
    /// </summary>
    public static async Task<RawConnection> ConnectAsync(Uri baseUri, int? receiveBufferSize = null)
    {
        var client = new TcpClient { NoDelay = true };
        if (receiveBufferSize is { } size)
        {
            client.ReceiveBufferSize = size;
        }

        await client.ConnectAsync(baseUri.Host, baseUri.Port);
        return new RawConnection(client, baseUri);
    }

    /// <summary>A random, valid Sec-WebSocket-Key.</summary>
    public static string NewWebSocketKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

    /// <summary>Writes bytes.</summary>
    public async Task SendAsync(byte[] data)
    {
        await _stream.WriteAsync(data);
        await _stream.FlushAsync();
    }

    /// <summary>Writes ASCII/UTF-8 text as is (use <c>\r\n</c> line ends).</summary>
    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Writes an HTTP/1.1 request head (Host and the given headers) and optionally a body.</summary>
    public Task SendRequestAsync(string method, string pathAndQuery, IEnumerable<KeyValuePair<string, string>>? headers = null, string? body = null)
    {
        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(pathAndQuery).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(BaseUri.Authority).Append("\r\n");
        foreach (var (name, value) in headers ?? [])
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("\r\n");
        if (body is not null)
        {
            head.Append(body);
        }

        return SendAsync(head.ToString());
    }

    /// <summary>
    /// Sends a WebSocket opening handshake for <paramref name="pathAndQuery"/> and reads the response
    /// head (and body, if the upgrade is refused). A 101 leaves the connection speaking WebSocket.
    /// </summary>
    public async Task<RawHttpResponse> UpgradeAsync(string pathAndQuery, string? key = null, string version = "13", IEnumerable<KeyValuePair<string, string>>? extraHeaders = null, TimeSpan? timeout = null)
    {
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Upgrade", "websocket"),
            new("Connection", "Upgrade"),
            new("Sec-WebSocket-Version", version),
            new("Sec-WebSocket-Key", key ?? NewWebSocketKey()),
        };
        headers.AddRange(extraHeaders ?? []);
        await SendRequestAsync("GET", pathAndQuery, headers);
        return await ReadResponseAsync(timeout);
    }

    /// <summary>Reads one HTTP response (head, then a body by Content-Length or chunked; none for 101/204/304).</summary>
    public async Task<RawHttpResponse> ReadResponseAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wait.Default);
        try
        {
            var statusLine = await ReadLineAsync(cts.Token) ?? throw new IOException("Connection closed before a response.");
            var parts = statusLine.Split(' ', 3);
            var status = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            var headers = new List<KeyValuePair<string, string>>();
            while (await ReadLineAsync(cts.Token) is { Length: > 0 } line)
            {
                var colon = line.IndexOf(':');
                headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
            }

            var response = new RawHttpResponse(status, parts.Length > 2 ? parts[2] : "", headers, []);
            if (status is 101 or 204 or 304)
            {
                return response;
            }

            if (response.Header("Content-Length") is { } length)
            {
                return response with { Body = await ReadExactlyAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture), cts.Token) };
            }

            if (string.Equals(response.Header("Transfer-Encoding"), "chunked", StringComparison.OrdinalIgnoreCase))
            {
                using var body = new MemoryStream();
                while (true)
                {
                    var size = Convert.ToInt32((await ReadLineAsync(cts.Token) ?? "0").Split(';')[0].Trim(), 16);
                    var chunk = await ReadExactlyAsync(size, cts.Token);
                    body.Write(chunk);
                    await ReadLineAsync(cts.Token);
                    if (size == 0)
                    {
                        return response with { Body = body.ToArray() };
                    }
                }
            }

            return response;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No HTTP response within {(timeout ?? Wait.Default).TotalMilliseconds} ms.");
        }
    }

    /// <summary>
    /// Writes one client frame. <paramref name="masked"/> false sends an (illegal) unmasked frame;
    /// <paramref name="declaredLength"/> overrides the length in the header (to announce a payload
    /// that is never sent); <paramref name="rsv"/> sets the reserved bits (0-7).
    /// </summary>
    public Task SendFrameAsync(int opcode, byte[] payload, bool fin = true, bool masked = true, long? declaredLength = null, int rsv = 0)
    {
        var length = declaredLength ?? payload.Length;
        using var frame = new MemoryStream();
        frame.WriteByte((byte)((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0F)));
        var maskBit = masked ? 0x80 : 0;
        if (length < 126)
        {
            frame.WriteByte((byte)(maskBit | (int)length));
        }
        else if (length <= ushort.MaxValue)
        {
            frame.WriteByte((byte)(maskBit | 126));
            Span<byte> ext = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(ext, (ushort)length);
            frame.Write(ext);
        }
        else
        {
            frame.WriteByte((byte)(maskBit | 127));
            Span<byte> ext = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(ext, (ulong)length);
            frame.Write(ext);
        }

        var data = (byte[])payload.Clone();
        if (masked)
        {
            var mask = RandomNumberGenerator.GetBytes(4);
            frame.Write(mask);
            for (var i = 0; i < data.Length; i++)
            {
                data[i] ^= mask[i & 3];
            }
        }

        frame.Write(data);
        return SendAsync(frame.ToArray());
    }

    /// <summary>Writes a masked text frame.</summary>
    public Task SendTextFrameAsync(string text) => SendFrameAsync(RawFrame.OpText, Encoding.UTF8.GetBytes(text));

    /// <summary>Reads one server frame within <paramref name="timeout"/>; null if the connection ended first.</summary>
    public async Task<RawFrame?> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wait.Default);
        try
        {
            if (!await FillAsync(2, cts.Token))
            {
                return null;
            }

            var b0 = _buffer[_start];
            var b1 = _buffer[_start + 1];
            var headerLength = 2;
            long length = b1 & 0x7F;
            if (length == 126)
            {
                headerLength = 4;
                if (!await FillAsync(headerLength, cts.Token))
                {
                    return null;
                }

                length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(_start + 2));
            }
            else if (length == 127)
            {
                headerLength = 10;
                if (!await FillAsync(headerLength, cts.Token))
                {
                    return null;
                }

                length = (long)BinaryPrimitives.ReadUInt64BigEndian(_buffer.AsSpan(_start + 2));
            }

            Assert.True((b1 & 0x80) == 0, "server frames must not be masked");
            _start += headerLength;
            var payload = await ReadExactlyAsync((int)length, cts.Token);
            return new RawFrame((b0 & 0x80) != 0, b0 & 0x0F, payload, (b0 & 0x40) != 0);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No WebSocket frame within {(timeout ?? Wait.Default).TotalMilliseconds} ms.");
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Reads frames until a close frame (returned) or the end of the connection (null); collects the others.</summary>
    public async Task<(RawFrame? Close, List<RawFrame> Before)> ReadUntilCloseAsync(TimeSpan? timeout = null)
    {
        var before = new List<RawFrame>();
        var deadline = DateTime.UtcNow + (timeout ?? Wait.Default);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No close frame; received {before.Count} other frames.");
            }

            var frame = await ReadFrameAsync(left);
            if (frame is null || frame.Value.Opcode == RawFrame.OpClose)
            {
                return (frame, before);
            }

            before.Add(frame.Value);
        }
    }

    /// <summary>True once the server has closed the connection (reads hit EOF) within <paramref name="timeout"/>; data read meanwhile is discarded.</summary>
    public async Task<bool> WaitForEndAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wait.Default);
        try
        {
            while (true)
            {
                _start = _end = 0;
                if (await _stream.ReadAsync(_buffer, cts.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Closes the TCP connection abruptly (RST when possible), as a client crashing mid-request would.</summary>
    public void Abort()
    {
        try
        {
            _client.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }

        _client.Close();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var index = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (index >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, index - _start).TrimEnd('\r');
                _start = index + 1;
                return line;
            }

            if (!await FillAsync(_end - _start + 1, cancellationToken))
            {
                return null;
            }
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        var result = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            if (_end == _start && !await FillAsync(1, cancellationToken))
            {
                throw new IOException($"Connection closed after {copied} of {count} bytes.");
            }

            var n = Math.Min(count - copied, _end - _start);
            Buffer.BlockCopy(_buffer, _start, result, copied, n);
            _start += n;
            copied += n;
        }

        return result;
    }

    /// <summary>Ensures at least <paramref name="count"/> unread bytes are buffered; false on EOF.</summary>
    private async Task<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                return false;
            }

            _end += read;
        }

        return true;
    }
}
