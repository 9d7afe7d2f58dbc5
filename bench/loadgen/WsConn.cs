using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LoadGen;

/// <summary>
/// One Socket.IO v5 client over Engine.IO v4 on a hand-framed WebSocket (raw socket, no
/// ClientWebSocket): it reads in large chunks, counts frames by their first bytes without parsing
/// payloads, parses a broadcast's timestamp on a sample, answers pings, and masks with a zero key
/// (legal, and it leaves the payload as is) so sending is one copy.
/// </summary>
public sealed class WsConn
{
    public static int BufferSize = 16 * 1024;

    private readonly byte[] _buf;
    private readonly object _sendLock = new();
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _upgraded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket _s = null!;
    private int _start;
    private int _end;
    private long _skip;
    private int _sampleCounter;
    private string? _auth;
    private bool _probe;

    // On the pinned object heap: thousands of these live as long as their connections, and on the
    // ordinary heap every gen0/gen1 collection during a connection storm copied them (the S4 storms
    // measured 90-210 ms of the generator's own GC pauses, which showed as every server's p99).
    public WsConn() => _buf = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);

    /// <summary>Broadcast events ("42" frames) received.</summary>
    public long Ticks;

    /// <summary>Acks ("43" frames) received.</summary>
    public long Acks;

    public volatile bool Closed;
    public string? Error;
    public long ConnectedAtUs;

    /// <summary>Every SampleEvery-th broadcast has its timestamp parsed into TickLatency.</summary>
    public int SampleEvery = 8;
    public Histogram? TickLatency;

    /// <summary>Send time of each outstanding ack id (ring indexed by id).</summary>
    public readonly long[] AckSent = new long[4096];
    public int NextAckId;
    public Histogram? AckLatency;

    /// <summary>Called on the receive loop for every ack (closed-loop load sends the next one from here).</summary>
    public Action<WsConn>? OnAck;

    public Task Connected => _connected.Task;

    /// <summary>Opens a WebSocket straight to Socket.IO and connects to the main namespace.</summary>
    public async Task ConnectAsync(IPEndPoint ep, string? auth, CancellationToken ct)
    {
        _auth = auth;
        await OpenAsync(ep, "/socket.io/?EIO=4&transport=websocket", ct);
        await _connected.Task.WaitAsync(ct);
    }

    /// <summary>Upgrades a session opened over long-polling: probe, then upgrade.</summary>
    public async Task UpgradeAsync(IPEndPoint ep, string sid, CancellationToken ct)
    {
        _probe = true;
        await OpenAsync(ep, "/socket.io/?EIO=4&transport=websocket&sid=" + sid, ct);
        SendText("2probe"u8);
        await _upgraded.Task.WaitAsync(ct);
    }

    private async Task OpenAsync(IPEndPoint ep, string path, CancellationToken ct)
    {
        _s = NewSocket();
        await _s.ConnectAsync(ep, ct);
        var key = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
        var request = $"GET {path} HTTP/1.1\r\nHost: {ep}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await _s.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, ct);
        while (true)
        {
            var n = await _s.ReceiveAsync(_buf.AsMemory(_end), SocketFlags.None, ct);
            if (n == 0)
            {
                throw new IOException("closed during the WebSocket handshake");
            }

            _end += n;
            var headEnd = _buf.AsSpan(0, _end).IndexOf("\r\n\r\n"u8);
            if (headEnd < 0)
            {
                continue;
            }

            if (!_buf.AsSpan(0, headEnd).StartsWith("HTTP/1.1 101"u8))
            {
                throw new IOException("WebSocket handshake refused: " + Encoding.ASCII.GetString(_buf, 0, Math.Min(headEnd, 80)));
            }

            _start = headEnd + 4;
            break;
        }

        _ = ReceiveLoopAsync();
    }

    public static Socket NewSocket()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        // Close with RST: thousands of connections per run leave no TIME_WAIT behind.
        s.LingerState = new LingerOption(true, 0);
        return s;
    }

    public void Close()
    {
        Closed = true;
        try
        {
            _s?.Close();
        }
        catch (Exception)
        {
        }
    }

    /// <summary>Sends one text frame, masked with a zero key.</summary>
    public void SendText(ReadOnlySpan<byte> payload)
    {
        var head = payload.Length < 126 ? 6 : 8;
        var length = head + payload.Length;
        var frame = length <= 1024 ? stackalloc byte[length] : new byte[length];
        frame[0] = 0x81;
        if (head == 6)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame[2..], (ushort)payload.Length);
        }

        frame.Slice(head - 4, 4).Clear();
        payload.CopyTo(frame[head..]);
        lock (_sendLock)
        {
            try
            {
                while (!frame.IsEmpty)
                {
                    frame = frame[_s.Send(frame)..];
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                Error ??= ex.Message;
                Closed = true;
            }
        }
    }

    /// <summary>Sends 42{id}["echo","payload"] and remembers when.</summary>
    public void SendEcho(ReadOnlySpan<byte> quotedPayload)
    {
        Span<byte> text = stackalloc byte[32 + quotedPayload.Length];
        var id = NextAckId++;
        text[0] = (byte)'4';
        text[1] = (byte)'2';
        System.Buffers.Text.Utf8Formatter.TryFormat(id, text[2..], out var w);
        var n = 2 + w;
        "[\"echo\","u8.CopyTo(text[n..]);
        n += 8;
        quotedPayload.CopyTo(text[n..]);
        n += quotedPayload.Length;
        text[n++] = (byte)']';
        AckSent[id & (AckSent.Length - 1)] = Clock.NowUs();
        SendText(text[..n]);
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                Process();
                if (Closed)
                {
                    break;
                }

                if (_start == _end)
                {
                    _start = _end = 0;
                }
                else if (_buf.Length - _end < _buf.Length / 2)
                {
                    Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }

                var n = await _s.ReceiveAsync(_buf.AsMemory(_end), SocketFlags.None);
                if (n == 0)
                {
                    break;
                }

                _end += n;
            }
        }
        catch (Exception ex)
        {
            Error ??= ex.Message;
        }

        Closed = true;
        _connected.TrySetException(new IOException(Error ?? "connection closed"));
        _upgraded.TrySetException(new IOException(Error ?? "connection closed"));
    }

    /// <summary>Consumes every complete frame in the buffer; frames too big to hold are peeked and skipped.</summary>
    private void Process()
    {
        var b = _buf;
        while (true)
        {
            var avail = _end - _start;
            if (_skip > 0)
            {
                var k = (int)Math.Min(_skip, avail);
                _start += k;
                _skip -= k;
                if (_skip > 0)
                {
                    return;
                }

                continue;
            }

            if (avail < 2)
            {
                return;
            }

            var s = _start;
            var op = b[s] & 0x0f;
            long len = b[s + 1] & 0x7f;
            var hl = 2;
            if (len == 126)
            {
                if (avail < 4)
                {
                    return;
                }

                len = (b[s + 2] << 8) | b[s + 3];
                hl = 4;
            }
            else if (len == 127)
            {
                if (avail < 10)
                {
                    return;
                }

                len = BinaryPrimitives.ReadInt64BigEndian(b.AsSpan(s + 2));
                hl = 10;
            }

            if (avail >= hl + len)
            {
                OnFrame(op, b.AsSpan(s + hl, (int)len));
                _start += hl + (int)len;
                continue;
            }

            if (hl + len <= b.Length / 2)
            {
                return; // the rest comes with the next read
            }

            OnFrame(op, b.AsSpan(s + hl, avail - hl));
            _skip = hl + len - avail;
            _start = _end;
        }
    }

    private void OnFrame(int opcode, ReadOnlySpan<byte> p)
    {
        if (opcode == 8)
        {
            Closed = true;
            return;
        }

        if (opcode != 1 || p.IsEmpty)
        {
            return;
        }

        switch (p[0])
        {
            case (byte)'4':
                if (p.Length < 2)
                {
                    return;
                }

                switch (p[1])
                {
                    case (byte)'2':
                        Ticks++;
                        if (TickLatency is { } hist && ++_sampleCounter >= SampleEvery)
                        {
                            _sampleCounter = 0;
                            var comma = p.IndexOf((byte)',');
                            if (comma > 0 && TryParseLong(p[(comma + 1)..], out var ts))
                            {
                                hist.Record(Clock.NowUs() - ts);
                            }
                        }

                        break;
                    case (byte)'3':
                        Acks++;
                        if (TryParseLong(p[2..], out var id))
                        {
                            AckLatency?.Record(Clock.NowUs() - AckSent[id & (AckSent.Length - 1)]);
                        }

                        OnAck?.Invoke(this);
                        break;
                    case (byte)'0':
                        ConnectedAtUs = Clock.NowUs();
                        _connected.TrySetResult();
                        break;
                    case (byte)'4':
                        Error ??= "connect_error " + Encoding.UTF8.GetString(p);
                        _connected.TrySetException(new IOException(Error));
                        break;
                }

                break;
            case (byte)'2':
                if (p.Length == 1)
                {
                    SendText("3"u8);
                }

                break;
            case (byte)'3':
                if (_probe && p.SequenceEqual("3probe"u8))
                {
                    SendText("5"u8);
                    _probe = false;
                    _upgraded.TrySetResult();
                }

                break;
            case (byte)'0':
                if (!_probe)
                {
                    SendText(_auth is null ? "40"u8 : Encoding.UTF8.GetBytes("40" + _auth));
                }

                break;
            case (byte)'1':
                Closed = true;
                break;
        }
    }

    private static bool TryParseLong(ReadOnlySpan<byte> p, out long value)
    {
        value = 0;
        var i = 0;
        while (i < p.Length && (uint)(p[i] - '0') <= 9)
        {
            value = (value * 10) + (p[i] - '0');
            i++;
        }

        return i > 0;
    }
}
