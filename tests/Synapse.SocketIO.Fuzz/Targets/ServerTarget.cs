using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synapse.SocketIO.Fuzz.Fuzzing;
using Synapse.SocketIO.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>
/// A real server (Kestrel on 127.0.0.1, Socket.IO on /socket.io/ with handlers that echo and
/// acknowledge whatever arrives) fed raw TCP: mutated HTTP requests (request lines, query strings,
/// headers, bodies) and WebSocket sessions of generated frames (bad masks, lengths, opcodes, RSV
/// bits, fragments, control frames) carrying Engine.IO/Socket.IO packets, on fresh connections or
/// on a live session (<c>{SID}</c> in the input stands for the id of a session opened just before).
/// Per input: the server answers with well-formed HTTP (no 500) and WebSocket frames (proper close
/// codes), and closes the connection once the client has finished sending. Per batch: a well-behaved
/// long-polling client and a WebSocket client still connect and get an acknowledgement back, and the
/// server logged no error.
/// </summary>
public sealed partial class ServerTarget : FuzzTarget
{
    private static readonly byte[] SidPlaceholder = "{SID}"u8.ToArray();

    private static readonly string[] EnginePackets =
    [
        "40", "40{\"token\":\"x\"}", "40/admin,", "42[\"echo\",\"hello\"]", "421[\"ack\",1,{\"a\":[true,null]}]", "42/admin,[\"echo\",2]",
        "43[\"stray ack\"]", "41", "41/admin,", "2", "3", "2probe", "5", "6", "1", "4", "b", "bAQID", "42[\"echo\",\"\\ud83d\\ude00\"]",
        "451-[\"echo\",{\"_placeholder\":true,\"num\":0}]", "4521-[\"ack\",{\"_placeholder\":true,\"num\":0}]", "44{\"message\":\"x\"}",
    ];

    private static readonly string[] HttpRequests =
    [
        "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /socket.io/?EIO=4&transport=polling&sid={SID} HTTP/1.1\r\nHost: h\r\n\r\n",
        "POST /socket.io/?EIO=4&transport=polling&sid={SID} HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 20\r\n\r\n42[\"echo\",\"posted\"]",
        "POST /socket.io/?EIO=4&transport=polling&sid={SID} HTTP/1.1\r\nHost: h\r\nContent-Length: 55\r\n\r\n451-[\"echo\",{\"_placeholder\":true,\"num\":0}]\u001ebAQIDBA==",
        "POST /socket.io/?EIO=4&transport=polling&sid={SID} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n42[\"e\r\n9\r\ncho\",1]\u001e2\r\n0\r\n\r\n",
        "POST /socket.io/?EIO=4&transport=polling&sid={SID} HTTP/1.1\r\nHost: h\r\nContent-Type: application/octet-stream\r\nContent-Length: 3\r\n\r\n\u0004\u0001\u0002",
        "OPTIONS /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: h\r\nOrigin: http://example.com\r\nAccess-Control-Request-Method: POST\r\n\r\n",
        "GET /socket.io/?EIO=3&transport=polling&b64=1&t=abc HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /socket.io/?EIO=4&transport=flashsocket HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /socket.io/?EIO=4&transport=polling&sid=unknown HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /socket.io/socket.io.js HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"x\"\r\n\r\n",
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        "GET /socket.io/?EIO=4&transport=websocket&sid={SID} HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: h\r\nOrigin: http://a\r\nCookie: io=abc\r\nAccept-Encoding: gzip;q=0.5, deflate, *;q=0\r\n\r\n",
    ];

    private static readonly byte[][] HttpTokens = Corpus.Utf8(
        "\r\n", "\r\n\r\n", ": ", "&sid={SID}", "&transport=websocket", "&transport=polling", "EIO=4", "EIO=", "%00", "%zz", "%", "?", "&&", "=", "#",
        "Content-Length: 0\r\n", "Content-Length: 99999999999\r\n", "Content-Length: -1\r\n", "Transfer-Encoding: chunked\r\n", "Upgrade: websocket\r\n",
        "Connection: Upgrade\r\n", "Sec-WebSocket-Version: 8\r\n", "Origin: \u0001\r\n", "Host: \r\n", " HTTP/1.0", " HTTP/2", "POST ", "GET ", "PUT ", "\u001e", "42[", "/socket.io/");

    private readonly Mutator _packetMutator = new(Corpus.Utf8(EnginePackets), [.. Corpus.SocketIOTokens, .. Corpus.Utf8("\u001e", "b", "4", "42")], 2048);
    private readonly Mutator _httpMutator = new(Corpus.Utf8(HttpRequests), HttpTokens, 4096);
    private readonly ErrorLog _errors = new();
    private readonly Action<SocketIOOptions>? _configure;
    private WebApplication? _app;
    private Uri _baseUri = null!;
    private SocketIOServer? _io;
    private HttpClient? _http;

    /// <summary>The server as the CI and long runs fuzz it.</summary>
    public ServerTarget()
    {
    }

    /// <summary>The same server with options of its own on top (another target drives it).</summary>
    internal ServerTarget(Action<SocketIOOptions> configure) => _configure = configure;

    /// <summary>The port the server listens on (127.0.0.1).</summary>
    internal int Port => _baseUri.Port;

    /// <summary>What the server logged at Error level since the last check.</summary>
    internal ErrorLog Errors => _errors;

    /// <inheritdoc />
    public override string Name => "server";

    /// <inheritdoc />
    public override string Description => "a running server over raw TCP: mutated HTTP requests and WebSocket frame sequences carrying Engine.IO/Socket.IO packets, with health checks";

    /// <inheritdoc />
    public override IReadOnlyList<byte[]> Seeds { get; } = Corpus.Utf8(HttpRequests);

    /// <inheritdoc />
    public override bool MeasuresAllocation => false;

    /// <inheritdoc />
    public override TimeSpan TimeBound => TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public override int BatchSize => 250;

    /// <inheritdoc />
    public override int MaxInputLength => 16 * 1024;

    /// <inheritdoc />
    public override async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.UseEngineIOWebSocketHandoff()));
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(_errors);
        builder.Services.AddSocketIO(o =>
        {
            // Sessions nobody polls die quickly; polls return at least this often.
            o.PingInterval = TimeSpan.FromMilliseconds(500);
            o.PingTimeout = TimeSpan.FromMilliseconds(1000);
            o.MaxHttpBufferSize = 64 * 1024;
            // A long-polling session closed by the server waits this long for a GET to fetch the close packet (Node: 30 s).
            o.Engine.PollingCloseTimeout = TimeSpan.FromSeconds(2);
            // Every fuzzing connection comes from 127.0.0.1, hundreds per second: no admission limits.
            o.MaxConnectionAttemptsPerIpPerSecond = null;
            o.MaxConnections = null;
            _configure?.Invoke(o);
        });
        _app = builder.Build();
        _app.MapSocketIO(io =>
        {
            _io = io;
            io.OnConnection(Handlers);
            io.Of("/admin").OnConnection(Handlers);
        });
        await _app.StartAsync();
        var address = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        _baseUri = new UriBuilder("http", "127.0.0.1", address.Port, "/").Uri;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { BaseAddress = _baseUri, Timeout = TimeSpan.FromSeconds(10) };
    }

    private static void Handlers(Socket socket)
    {
        socket.On("ack", (SocketIOArguments args, AckCallback ack) => ack(args.ToObjects()));
        socket.OnAny((name, args) =>
        {
            if (name != "ack")
            {
                socket.Emit("echo", args.ToObjects());
            }
        });
    }

    /// <inheritdoc />
    public override byte[] Generate(Random random, Mutator mutator)
    {
        var input = new List<byte>(random.Next(5) < 2 ? GenerateHttp(random) : GenerateWebSocket(random));
        if (random.Next(5) == 0)
        {
            // Byte-level damage anywhere in the stream, frames included.
            for (var i = random.Next(1, 4); i > 0; i--)
            {
                _httpMutator.Mutate(input, random);
            }
        }

        return [.. input.Take(MaxInputLength)];
    }

    private byte[] GenerateHttp(Random random)
    {
        var request = new List<byte>(_httpMutator.Next(random));
        var text = Encoding.Latin1.GetString([.. request]);
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headEnd >= 0 && random.Next(3) != 0)
        {
            // Usually a body the Content-Length is right for, so that the body reaches the decoder.
            var body = random.Next(2) == 0 ? _packetMutator.Next(random) : Encoding.Latin1.GetBytes(text[(headEnd + 4)..]);
            var head = Regex.Replace(text[..headEnd], "\r\nContent-Length:[^\r]*", "", RegexOptions.IgnoreCase);
            if (!head.Contains("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && head.StartsWith("POST", StringComparison.Ordinal))
            {
                head += $"\r\nContent-Length: {body.Length}";
            }

            return [.. Encoding.Latin1.GetBytes(head + "\r\n\r\n"), .. body];
        }

        return [.. request];
    }

    private byte[] GenerateWebSocket(Random random)
    {
        var onSession = random.Next(3) == 0;
        var upgrade = Encoding.ASCII.GetBytes(
            $"GET /socket.io/?EIO=4&transport=websocket{(onSession ? "&sid={SID}" : "")} HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        var stream = new List<byte>(upgrade);
        var messages = new List<(int Opcode, byte[] Payload)>();
        if (onSession)
        {
            messages.Add((1, "2probe"u8.ToArray()));
            if (random.Next(2) == 0)
            {
                messages.Add((1, "5"u8.ToArray()));
            }
        }
        else if (random.Next(4) != 0)
        {
            messages.Add((1, "40"u8.ToArray()));
        }

        for (var i = random.Next(1, 7); i > 0; i--)
        {
            var packet = random.Next(3) == 0 ? _packetMutator.Next(random) : Encoding.UTF8.GetBytes(EnginePackets[random.Next(EnginePackets.Length)]);
            if (packet.Length > 1 && packet[0] == '4' && packet[1] == '5' && random.Next(2) == 0)
            {
                // A binary packet and its attachment frame(s).
                messages.Add((1, packet));
                for (var n = random.Next(1, 3); n > 0; n--)
                {
                    var attachment = new byte[random.Next(0, 64)];
                    random.NextBytes(attachment);
                    messages.Add((2, attachment));
                }

                continue;
            }

            messages.Add((random.Next(10) == 0 ? 2 : 1, packet));
        }

        foreach (var (opcode, payload) in messages)
        {
            WriteMessage(stream, random, opcode, payload);
        }

        if (random.Next(2) == 0)
        {
            var close = new byte[random.Next(4) == 0 ? random.Next(0, 4) : 2];
            if (close.Length >= 2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(close, (ushort)(random.Next(3) == 0 ? random.Next(0, 65536) : 1000));
            }

            WriteFrame(stream, random, fin: true, opcode: 8, close, damage: false);
        }

        return [.. stream];
    }

    // One message: usually one frame, sometimes fragmented (with a control frame in between), sometimes damaged.
    private static void WriteMessage(List<byte> stream, Random random, int opcode, byte[] payload)
    {
        var damage = random.Next(6) == 0;
        if (random.Next(4) == 0)
        {
            opcode = random.Next(6) switch
            {
                0 => random.Next(16), // reserved opcodes included
                1 => 9, // ping with the payload
                2 => 10, // unsolicited pong
                _ => opcode,
            };
        }

        if (payload.Length < 2 || random.Next(5) != 0)
        {
            WriteFrame(stream, random, fin: !damage || random.Next(3) != 0, opcode, payload, damage);
            return;
        }

        var cut = random.Next(1, payload.Length);
        WriteFrame(stream, random, fin: false, opcode, payload[..cut], damage);
        if (random.Next(3) == 0)
        {
            WriteFrame(stream, random, fin: true, opcode: 9, "mid"u8.ToArray(), damage: false);
        }

        WriteFrame(stream, random, fin: !damage || random.Next(2) == 0, opcode: damage && random.Next(3) == 0 ? opcode : 0, payload[cut..], damage);
    }

    private static void WriteFrame(List<byte> stream, Random random, bool fin, int opcode, byte[] payload, bool damage)
    {
        var rsv = damage && random.Next(4) == 0 ? random.Next(1, 8) : 0;
        stream.Add((byte)((fin ? 0x80 : 0) | (rsv << 4) | (opcode & 0x0F)));
        var masked = !damage || random.Next(4) != 0;
        var length = (long)payload.Length;
        if (damage && random.Next(3) == 0)
        {
            // A length that lies: longer (the server waits for bytes that never come), or huge.
            length = random.Next(3) switch
            {
                0 => payload.Length + random.Next(1, 200),
                1 => long.MaxValue,
                _ => (long)random.Next(),
            };
        }

        var form = length < 126 && !(damage && random.Next(3) == 0) ? 0 : length <= ushort.MaxValue && random.Next(4) != 0 ? 126 : 127;
        stream.Add((byte)((masked ? 0x80 : 0) | (form == 0 ? (int)length : form)));
        if (form == 126)
        {
            stream.Add((byte)(length >> 8));
            stream.Add((byte)length);
        }
        else if (form == 127)
        {
            var raw = damage && random.Next(4) == 0 ? ulong.MaxValue : (ulong)length;
            for (var shift = 56; shift >= 0; shift -= 8)
            {
                stream.Add((byte)(raw >> shift));
            }
        }

        var mask = new byte[4];
        if (masked)
        {
            random.NextBytes(mask);
            stream.AddRange(mask);
        }

        for (var i = 0; i < payload.Length; i++)
        {
            stream.Add((byte)(payload[i] ^ mask[i & 3]));
        }
    }

    /// <inheritdoc />
    public override async ValueTask RunAsync(byte[] input, CancellationToken cancellationToken)
    {
        var data = input;
        if (input.AsSpan().IndexOf(SidPlaceholder) >= 0)
        {
            var sid = await OpenSessionAsync(cancellationToken);
            data = Replace(input, SidPlaceholder, Encoding.ASCII.GetBytes(sid));
        }

        try
        {
            var response = await ExchangeAsync(data, cancellationToken);
            ResponseChecker.Check(response);
            _errors.ThrowIfAny("while handling this input (or one just before)");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new FuzzPropertyException($"the server neither answered nor closed the connection within {TimeBound.TotalSeconds:F0} s of the client's end of input");
        }
    }

    /// <summary>
    /// Sends <paramref name="data"/> on a new connection, ends the sending side (after
    /// <paramref name="halfCloseDelay"/>, unless the server closed first), and returns everything the
    /// server sent until it closed. Without a delay, the end of input may reach Kestrel before it has
    /// switched protocols, and Kestrel then resets the connection (the response is lost).
    /// </summary>
    internal async Task<byte[]> ExchangeAsync(byte[] data, CancellationToken cancellationToken, TimeSpan halfCloseDelay = default)
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(_baseUri.Host, _baseUri.Port, cancellationToken);
        var stream = client.GetStream();
        var reading = ReadToEndAsync(stream, cancellationToken);
        try
        {
            await stream.WriteAsync(data, cancellationToken);
            if (halfCloseDelay > TimeSpan.Zero)
            {
                await Task.WhenAny(reading, Task.Delay(halfCloseDelay, cancellationToken));
            }

            client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            // The server may refuse and close before everything was sent.
        }

        return await reading;
    }

    private static async Task<byte[]> ReadToEndAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            // A reset after the server's answer is a close too.
        }

        return received.ToArray();
    }

    internal async Task<string> OpenSessionAsync(CancellationToken cancellationToken)
    {
        var open = await _http!.GetStringAsync("/socket.io/?EIO=4&transport=polling", cancellationToken);
        var sid = SidPattern().Match(open) is { Success: true } match ? match.Groups[1].Value : throw new FuzzPropertyException($"handshake answered '{open}'");
        using var connect = await _http.PostAsync($"/socket.io/?EIO=4&transport=polling&sid={sid}", new StringContent("40"), cancellationToken);
        if (!connect.IsSuccessStatusCode)
        {
            throw new FuzzPropertyException($"connecting a session to the namespace got {(int)connect.StatusCode}");
        }

        return sid;
    }

    /// <inheritdoc />
    public override async Task CheckHealthAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await PollingRoundTripAsync(timeout.Token);
            await WebSocketRoundTripAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new FuzzPropertyException("a well-behaved client got no acknowledgement within 20 s");
        }

        _errors.ThrowIfAny("during the health check");
    }

    private async Task PollingRoundTripAsync(CancellationToken cancellationToken)
    {
        var sid = await OpenSessionAsync(cancellationToken);
        var url = $"/socket.io/?EIO=4&transport=polling&sid={sid}";
        using (var post = await _http!.PostAsync(url, new StringContent("421[\"ack\",\"polling\"]"), cancellationToken))
        {
            if (!post.IsSuccessStatusCode)
            {
                throw new FuzzPropertyException($"the health check's POST got {(int)post.StatusCode}");
            }
        }

        var acknowledged = false;
        while (!acknowledged)
        {
            using var poll = await _http.GetAsync(url, cancellationToken);
            var payload = await poll.Content.ReadAsStringAsync(cancellationToken);
            if (!poll.IsSuccessStatusCode)
            {
                throw new FuzzPropertyException($"the health check's poll got {(int)poll.StatusCode}: {payload}");
            }

            foreach (var packet in payload.Split('\u001e'))
            {
                acknowledged |= packet == "431[\"polling\"]";
                if (packet == "2")
                {
                    using var pong = await _http.PostAsync(url, new StringContent("3"), cancellationToken);
                }
            }
        }

        using var close = await _http.PostAsync(url, new StringContent("1"), cancellationToken);
    }

    private async Task WebSocketRoundTripAsync(CancellationToken cancellationToken)
    {
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{_baseUri.Port}/socket.io/?EIO=4&transport=websocket"), cancellationToken);
        await ReceiveUntilAsync(ws, "0{", cancellationToken);
        await ws.SendAsync("40"u8.ToArray(), WebSocketMessageType.Text, true, cancellationToken);
        await ReceiveUntilAsync(ws, "40{", cancellationToken);
        await ws.SendAsync("421[\"ack\",\"websocket\"]"u8.ToArray(), WebSocketMessageType.Text, true, cancellationToken);
        await ReceiveUntilAsync(ws, "431[\"websocket\"]", cancellationToken);
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
    }

    private static async Task ReceiveUntilAsync(ClientWebSocket ws, string prefix, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await ws.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new FuzzPropertyException($"the health check's WebSocket was closed ({result.CloseStatus}) while waiting for '{prefix}'");
            }

            var text = Encoding.UTF8.GetString(buffer, 0, result.Count);
            if (text == "2")
            {
                await ws.SendAsync("3"u8.ToArray(), WebSocketMessageType.Text, true, cancellationToken);
            }

            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public override Task CheckAtEndAsync() => CheckSessionsDrainAsync();

    /// <summary>Sessions left after the run must all close (nothing leaks).</summary>
    public async Task CheckSessionsDrainAsync()
    {
        var engine = _io!.Engine;
        for (var i = 0; i < 100 && engine.ClientsCount > 0; i++)
        {
            await Task.Delay(100);
        }

        if (engine.ClientsCount > 0)
        {
            var sessions = string.Join("; ", engine.Clients.Select(s =>
                $"{s.Id} {s.ReadyState} on {s.Transport} (upgraded {s.IsUpgraded}, probed {s.IsProbed}, closing {s.IsClosing}, {s.QueuedPackets} queued)"));
            throw new FuzzPropertyException($"{engine.ClientsCount} session(s) still open 10 s after the last input: {sessions}");
        }
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _app.StopAsync(stop.Token);
            await _app.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    private static byte[] Replace(byte[] input, byte[] from, byte[] to)
    {
        var output = new List<byte>(input.Length + 32);
        var rest = input.AsSpan();
        int at;
        while ((at = rest.IndexOf(from)) >= 0)
        {
            output.AddRange(rest[..at]);
            output.AddRange(to);
            rest = rest[(at + from.Length)..];
        }

        output.AddRange(rest);
        return [.. output];
    }

    [GeneratedRegex("\"sid\":\"([^\"]+)\"")]
    private static partial Regex SidPattern();
}
