// Raw broadcaster: the structural limit of our stack. Kestrel's upgraded connection, frames written
// by hand, broadcasts framed once and the same bytes queued to every member; no Socket.IO logic,
// only enough Engine.IO/Socket.IO handshake (open "0{...}", connect "40{"sid"}") and echo ack that
// the same load generator can drive it. No heartbeat, no polling.
// Control endpoints as the other bench servers: /bench/stats, /bench/broadcast, /bench/broadcast/status.
// Usage: RawBench PORT
using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Features;

var port = args.Length > 0 ? int.Parse(args[0]) : 3300;
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseKestrel(k =>
{
    k.Listen(System.Net.IPAddress.Loopback, port);
    k.Limits.MaxConcurrentConnections = null;
    k.Limits.MaxConcurrentUpgradedConnections = null;
});
var app = builder.Build();
var rooms = new ConcurrentDictionary<string, Room>(StringComparer.Ordinal);
var clients = 0;
long nextId = 0;
var driver = new Driver();

app.Map("/socket.io/", async (HttpContext ctx) =>
{
    var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
    if (upgrade is not { IsUpgradableRequest: true } || ctx.Request.Query["transport"] != "websocket")
    {
        ctx.Response.StatusCode = 400;
        return;
    }

    var key = ctx.Request.Headers.SecWebSocketKey.ToString();
    ctx.Response.Headers.Upgrade = "websocket";
    ctx.Response.Headers.Connection = "Upgrade";
    ctx.Response.Headers.SecWebSocketAccept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
    var stream = await upgrade.UpgradeAsync();
    var conn = new Conn(
        PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true, useZeroByteReads: true)),
        PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true)));
    var id = Interlocked.Increment(ref nextId).ToString("x12");
    Interlocked.Increment(ref clients);
    Room? joined = null;
    try
    {
        conn.Send(Frame.Text("0{\"sid\":\"" + id + "\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"));
        var writer = conn.WriteLoopAsync();
        await conn.ReadLoopAsync(message =>
        {
            var span = message.AsSpan();
            if (span.StartsWith("40"u8))
            {
                var text = Encoding.UTF8.GetString(span);
                var at = text.IndexOf("\"room\":\"", StringComparison.Ordinal);
                if (at >= 0)
                {
                    var start = at + 8;
                    var name = text[start..text.IndexOf('"', start)];
                    joined = rooms.GetOrAdd(name, _ => new Room());
                    joined.Add(conn);
                }

                conn.Send(Frame.Text("40{\"sid\":\"s" + id + "\"}"));
            }
            else if (span.StartsWith("42"u8))
            {
                // 42<id>["echo",X] -> 43<id>[X]
                var bracket = span.IndexOf((byte)'[');
                var comma = span.IndexOf((byte)',');
                if (bracket > 2 && comma > bracket)
                {
                    var reply = new byte[bracket + 1 + (span.Length - comma - 1)];
                    span[..(bracket + 1)].CopyTo(reply);
                    reply[1] = (byte)'3';
                    span[(comma + 1)..].CopyTo(reply.AsSpan(bracket + 1));
                    conn.Send(Frame.Text(reply));
                }
            }
        });
        conn.Complete();
        await writer;
    }
    catch (Exception)
    {
        conn.Complete();
    }
    finally
    {
        joined?.Remove(conn);
        Interlocked.Decrement(ref clients);
    }
});

app.MapGet("/bench/stats", (HttpContext ctx) =>
{
    if (ctx.Request.Query.ContainsKey("gc"))
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    return Results.Text($"{{\"pid\":{Environment.ProcessId},\"clients\":{Volatile.Read(ref clients)},\"heap\":{GC.GetTotalMemory(false)},\"gcPauseMs\":{GC.GetTotalPauseDuration().TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)},\"committed\":{GC.GetGCMemoryInfo().TotalCommittedBytes},\"gcCounts\":[{GC.CollectionCount(0)},{GC.CollectionCount(1)},{GC.CollectionCount(2)}]}}", "application/json");
});

app.MapGet("/bench/broadcast", (HttpContext ctx) =>
{
    var q = ctx.Request.Query;
    var names = q["rooms"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries);
    var rate = double.Parse(q["rate"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
    var duration = int.Parse(q["duration"].ToString());
    var pad = new string('x', int.Parse(q["size"].ToString()));
    var ok = driver.Start(rate, duration, (i, ts) =>
    {
        // Framed once: the same bytes go to every member.
        var frame = Frame.Text("42[\"tick\"," + ts + ",\"" + pad + "\"]");
        if (rooms.TryGetValue(names[i % names.Length], out var room))
        {
            foreach (var member in room.Members)
            {
                member.Send(frame);
            }
        }
    });
    return Results.Text(ok ? "{\"ok\":true}" : "{\"ok\":false}", "application/json");
});

app.MapGet("/bench/broadcast/status", () => Results.Text($"{{\"running\":{(driver.Running ? "true" : "false")},\"sent\":{driver.Sent}}}", "application/json"));

app.Run();

static class Frame
{
    public static byte[] Text(string text) => Text(Encoding.UTF8.GetBytes(text));

    public static byte[] Text(ReadOnlySpan<byte> payload)
    {
        var head = payload.Length < 126 ? 2 : payload.Length <= ushort.MaxValue ? 4 : 10;
        var frame = new byte[head + payload.Length];
        frame[0] = 0x81;
        if (head == 2)
        {
            frame[1] = (byte)payload.Length;
        }
        else if (head == 4)
        {
            frame[1] = 126;
            frame[2] = (byte)(payload.Length >> 8);
            frame[3] = (byte)payload.Length;
        }
        else
        {
            frame[1] = 127;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }

        payload.CopyTo(frame.AsSpan(head));
        return frame;
    }
}

sealed class Room
{
    private readonly object _sync = new();

    public Conn[] Members { get; private set; } = [];

    public void Add(Conn c)
    {
        lock (_sync)
        {
            Members = [.. Members, c];
        }
    }

    public void Remove(Conn c)
    {
        lock (_sync)
        {
            Members = Members.Where(m => m != c).ToArray();
        }
    }
}

sealed class Conn(PipeReader input, PipeWriter output)
{
    private readonly Channel<byte[]> _queue = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

    public void Send(byte[] frame) => _queue.Writer.TryWrite(frame);

    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>Everything queued goes out as consecutive frames and one flush.</summary>
    public async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var frame))
                {
                    output.Write(frame);
                }

                var flushed = await output.FlushAsync();
                if (flushed.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception)
        {
        }

        input.CancelPendingRead();
    }

    /// <summary>Reads masked client frames (unfragmented text) and hands each message on.</summary>
    public async Task ReadLoopAsync(Action<byte[]> onMessage)
    {
        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            var closed = false;
            while (TryFrame(ref buffer, out var opcode, out var payload))
            {
                if (opcode == 8)
                {
                    closed = true;
                    break;
                }

                if (opcode == 1)
                {
                    onMessage(payload!);
                }
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (closed || result.IsCompleted || result.IsCanceled)
            {
                return;
            }
        }
    }

    private static bool TryFrame(ref ReadOnlySequence<byte> buffer, out int opcode, out byte[]? payload)
    {
        opcode = 0;
        payload = null;
        if (buffer.Length < 2)
        {
            return false;
        }

        Span<byte> head = stackalloc byte[14];
        var n = (int)Math.Min(14, buffer.Length);
        buffer.Slice(0, n).CopyTo(head);
        opcode = head[0] & 0x0f;
        long len = head[1] & 0x7f;
        var offset = 2;
        if (len == 126)
        {
            if (n < 4) return false;
            len = (head[2] << 8) | head[3];
            offset = 4;
        }
        else if (len == 127)
        {
            if (n < 10) return false;
            len = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(head[2..]);
            offset = 10;
        }

        var masked = (head[1] & 0x80) != 0;
        if (masked && n < offset + 4) return false;
        var mask = masked ? head.Slice(offset, 4).ToArray() : null;
        offset += masked ? 4 : 0;
        if (buffer.Length < offset + len)
        {
            return false;
        }

        payload = buffer.Slice(offset, len).ToArray();
        if (mask is not null)
        {
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] ^= mask[i & 3];
            }
        }

        buffer = buffer.Slice(offset + len);
        return true;
    }
}

sealed class Driver
{
    private volatile bool _running;
    private long _sent;

    public bool Running => _running;

    public long Sent => Interlocked.Read(ref _sent);

    public bool Start(double rate, int durationMs, Action<long, long> emit)
    {
        if (_running)
        {
            return false;
        }

        _running = true;
        Interlocked.Exchange(ref _sent, 0);
        new Thread(() =>
        {
            try
            {
                var t0 = NowUs();
                var total = (long)Math.Floor(rate * durationMs / 1000.0);
                long i = 0;
                while (i < total)
                {
                    var due = Math.Min(total, (long)Math.Floor((NowUs() - t0) * rate / 1e6) + 1);
                    for (; i < due; i++)
                    {
                        emit(i, t0 + (long)(i * 1e6 / rate));
                        Interlocked.Increment(ref _sent);
                    }

                    Thread.Sleep(1);
                }
            }
            finally
            {
                _running = false;
            }
        })
        { IsBackground = true, Name = "broadcast-driver" }.Start();
        return true;
    }

    private static long NowUs() => (long)(Stopwatch.GetTimestamp() * (1_000_000.0 / Stopwatch.Frequency));
}
