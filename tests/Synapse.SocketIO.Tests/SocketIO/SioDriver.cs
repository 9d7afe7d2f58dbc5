using System.Diagnostics;
using System.Text.Json;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>
/// Drives the official <c>socket.io-client</c> through <c>tests/interop/sio-driver.mjs</c>: one Node
/// process holding any number of named clients. Commands go out as JSON lines; everything the
/// clients see comes back as JSON messages, kept in order, that tests wait for by predicate.
/// Binary values are <c>{"$bin":"base64"}</c> both ways (<see cref="Bin"/>, <see cref="Bytes"/>).
/// </summary>
internal sealed class SioDriver : IAsyncDisposable
{
    private readonly NodeScript _node;

    private SioDriver(NodeScript node, Uri baseUri)
    {
        _node = node;
        Url = baseUri.ToString().TrimEnd('/');
    }

    /// <summary>The server URL the clients connect to (no trailing slash).</summary>
    public string Url { get; }

    /// <summary>Every message printed so far.</summary>
    public IReadOnlyList<JsonElement> Messages => _node.Messages;

    /// <summary>How many messages were printed so far: pass it as <c>from</c> to wait only for later ones.</summary>
    public int Mark => _node.Messages.Count;

    /// <summary>Starts the driver (killed after <paramref name="timeout"/>, 45 s by default).</summary>
    public static SioDriver Start(Uri baseUri, TimeSpan? timeout = null) =>
        new(NodeScript.Start("sio-driver.mjs", timeout: timeout ?? TimeSpan.FromSeconds(45)), baseUri);

    /// <summary>A binary value for an emit.</summary>
    public static object Bin(params byte[] data) => new Dictionary<string, string> { ["$bin"] = Convert.ToBase64String(data) };

    /// <summary>The bytes of a received binary value.</summary>
    public static byte[] Bytes(JsonElement value)
    {
        Assert.True(value.ValueKind == JsonValueKind.Object && value.TryGetProperty("$bin", out _), $"expected a binary value, got {value.GetRawText()}");
        return Convert.FromBase64String(value.GetProperty("$bin").GetString()!);
    }

    /// <summary>Sends a raw command.</summary>
    public Task SendAsync(object command) => _node.SendAsync(command);

    /// <summary>
    /// Creates client <paramref name="client"/> on <paramref name="nsp"/> (it connects at once).
    /// <paramref name="manager"/> names a shared Manager (multiplexing); by default each client has its own.
    /// </summary>
    public Task OpenAsync(string client, string nsp = "/", object? auth = null, object? opts = null, string? manager = null, object? answers = null, object? resume = null, string? url = null)
    {
        var command = new Dictionary<string, object?>
        {
            ["cmd"] = "connect",
            ["client"] = client,
            ["url"] = url ?? Url,
            ["nsp"] = nsp,
            ["opts"] = opts ?? new { reconnection = false },
        };
        if (auth is not null)
        {
            command["auth"] = auth;
        }

        if (manager is not null)
        {
            command["manager"] = manager;
        }

        if (answers is not null)
        {
            command["answers"] = answers;
        }

        if (resume is not null)
        {
            command["resume"] = resume;
        }

        return SendAsync(command);
    }

    /// <summary>Creates a client and waits until it is connected; returns the <c>connect</c> message (id, transport, engineId).</summary>
    public async Task<JsonElement> ConnectAsync(string client, string nsp = "/", object? auth = null, object? opts = null, string? manager = null, object? answers = null, object? resume = null, string? url = null)
    {
        var from = Mark;
        await OpenAsync(client, nsp, auth, opts, manager, answers, resume, url);
        var result = await WaitForAsync(client, m => m.GetProperty("event").GetString() is "connect" or "connect_error", from: from, what: $"{client} connect");
        Assert.True(result.GetProperty("event").GetString() == "connect", $"{client} could not connect: {result.GetRawText()}");
        return result;
    }

    /// <summary>Creates a client that must be refused; returns the <c>connect_error</c> message (message, data).</summary>
    public async Task<JsonElement> ConnectErrorAsync(string client, string nsp = "/", object? auth = null, object? opts = null, string? manager = null)
    {
        var from = Mark;
        await OpenAsync(client, nsp, auth, opts, manager);
        var result = await WaitForAsync(client, m => m.GetProperty("event").GetString() is "connect" or "connect_error", from: from, what: $"{client} connect_error");
        Assert.True(result.GetProperty("event").GetString() == "connect_error", $"{client} connected although it should not: {result.GetRawText()}");
        return result;
    }

    /// <summary>Sets how <paramref name="client"/> answers server events named <paramref name="eventName"/> that ask for an ack.</summary>
    public async Task AnswerAsync(string client, string eventName, object?[]? reply = null, bool never = false, bool echo = false, int? delay = null)
    {
        var from = Mark;
        await SendAsync(new { cmd = "answer", client, @event = eventName, reply, never, echo, delay });
        await WaitForAsync(client, "answerSet", m => m.GetProperty("name").GetString() == eventName, from: from);
    }

    /// <summary>A plain emit from <paramref name="client"/>.</summary>
    public Task EmitAsync(string client, string eventName, params object?[] args) =>
        SendAsync(new { cmd = "emit", client, @event = eventName, args });

    /// <summary>Emits with an ack callback and returns every argument of the ack (as a JSON array).</summary>
    public async Task<JsonElement> EmitWithCallbackAsync(string client, string eventName, object?[] args, int? timeoutMs = null)
    {
        var id = Guid.NewGuid().ToString("N");
        await SendAsync(new { cmd = "emit", client, @event = eventName, args, ack = id, timeout = timeoutMs });
        var result = await WaitForAsync(client, m => m.GetProperty("event").GetString() is "ack" or "ackError" && m.GetProperty("ack").GetString() == id, what: $"ack of {eventName}");
        Assert.True(result.GetProperty("event").GetString() == "ack", $"ack failed: {result.GetRawText()}");
        return result.GetProperty("args");
    }

    /// <summary><c>await socket.timeout(t).emitWithAck(...)</c>; returns the <c>ack</c> (value) or <c>ackError</c> (message) message.</summary>
    public async Task<JsonElement> EmitWithAckAsync(string client, string eventName, object?[] args, int? timeoutMs = null, TimeSpan? wait = null)
    {
        var id = Guid.NewGuid().ToString("N");
        await SendAsync(new { cmd = "emitWithAck", client, @event = eventName, args, ack = id, timeout = timeoutMs });
        return await WaitForAsync(client, m => m.GetProperty("event").GetString() is "ack" or "ackError" && m.GetProperty("ack").GetString() == id, wait, what: $"emitWithAck {eventName}");
    }

    /// <summary>Calls <c>socket.disconnect()</c>.</summary>
    public Task DisconnectAsync(string client) => SendAsync(new { cmd = "disconnect", client });

    /// <summary>Closes the client's Engine.IO connection.</summary>
    public Task CloseEngineAsync(string client) => SendAsync(new { cmd = "closeEngine", client });

    /// <summary>Returns the client's state (connected, active, id, transport, engineId).</summary>
    public async Task<JsonElement> StateAsync(string client)
    {
        var from = Mark;
        await SendAsync(new { cmd = "state", client });
        return await WaitForAsync(client, "state", from: from);
    }

    /// <summary>
    /// Waits until the driver has processed everything sent before and printed everything it
    /// received meanwhile (a round trip through its event loop).
    /// </summary>
    public async Task BarrierAsync()
    {
        var tag = Guid.NewGuid().ToString("N");
        await SendAsync(new { cmd = "ping", tag });
        await WaitForAsync(m => m.GetProperty("event").GetString() == "pong" && m.GetProperty("tag").GetString() == tag, what: "barrier");
    }

    /// <summary>The next message of <paramref name="client"/> with this <paramref name="eventName"/> (and predicate), at index ≥ <paramref name="from"/>.</summary>
    public Task<JsonElement> WaitForAsync(string client, string eventName, Func<JsonElement, bool>? predicate = null, TimeSpan? timeout = null, int from = 0) =>
        WaitForAsync(client, m => m.GetProperty("event").GetString() == eventName && (predicate is null || predicate(m)), timeout, from, $"{client} {eventName}");

    /// <summary>The first event <paramref name="name"/> received by <paramref name="client"/> (index ≥ <paramref name="from"/>); returns its args array.</summary>
    public async Task<JsonElement> ReceiveAsync(string client, string name, TimeSpan? timeout = null, int from = 0) =>
        (await WaitForAsync(client, m => m.GetProperty("event").GetString() == "recv" && m.GetProperty("name").GetString() == name, timeout, from, $"{client} receives '{name}'")).GetProperty("args");

    /// <summary>Every event named <paramref name="name"/> that <paramref name="client"/> received so far.</summary>
    public IReadOnlyList<JsonElement> Received(string client, string name) =>
        Messages.Where(m => Is(m, client, "recv") && m.GetProperty("name").GetString() == name).Select(m => m.GetProperty("args")).ToArray();

    /// <summary>
    /// Exactly these clients receive <paramref name="eventName"/>, once each: waits for each of
    /// them, then checks the others after two barriers (what a broadcast with rooms and
    /// exceptions should reach, across nodes included).
    /// </summary>
    public async Task ReceivedOnlyByAsync(string eventName, params string[] clients)
    {
        foreach (var client in clients)
        {
            await ReceiveAsync(client, eventName, TimeSpan.FromSeconds(10));
        }

        await BarrierAsync();
        await Task.Delay(50);
        await BarrierAsync();
        foreach (var other in Messages
            .Where(m => m.GetProperty("event").GetString() == "recv" && m.GetProperty("name").GetString() == eventName)
            .Select(m => m.GetProperty("client").GetString()!)
            .Distinct())
        {
            Assert.True(clients.Contains(other), $"{other} received '{eventName}' but should not have");
        }

        foreach (var client in clients)
        {
            Assert.Single(Received(client, eventName));
        }
    }

    /// <summary>The first message of <paramref name="client"/> matching <paramref name="predicate"/>.</summary>
    public Task<JsonElement> WaitForAsync(string client, Func<JsonElement, bool> predicate, TimeSpan? timeout = null, int from = 0, string? what = null) =>
        WaitForAsync(m => m.TryGetProperty("client", out var c) && c.GetString() == client && predicate(m), timeout, from, what);

    /// <summary>The first message matching <paramref name="predicate"/> at index ≥ <paramref name="from"/>.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> predicate, TimeSpan? timeout = null, int from = 0, string? what = null)
    {
        var limit = timeout ?? Wait.Default;
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var messages = _node.Messages;
            for (var i = from; i < messages.Count; i++)
            {
                if (messages[i].ValueKind == JsonValueKind.Object && messages[i].TryGetProperty("event", out _) && predicate(messages[i]))
                {
                    return messages[i];
                }
            }

            if (Stopwatch.GetTimestamp() > deadline || _node.HasExited)
            {
                throw new TimeoutException($"sio-driver: {what ?? "expected message"} not seen within {limit.TotalMilliseconds} ms{(_node.HasExited ? " (driver exited)" : "")}.{_node.Describe()}");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>Whether the message is <paramref name="eventName"/> of <paramref name="client"/>.</summary>
    public static bool Is(JsonElement message, string client, string eventName) =>
        message.TryGetProperty("client", out var c) && c.GetString() == client && message.GetProperty("event").GetString() == eventName;

    /// <summary>Fails with the driver's output if it reported an error.</summary>
    public void AssertNoErrors() =>
        Assert.False(Messages.Any(m => m.GetProperty("event").GetString() == "error"), "sio-driver reported errors:" + _node.Describe());

    /// <summary>The driver's output, for assertion messages.</summary>
    public string Describe() => _node.Describe();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _node.SendAsync(new { cmd = "exit" });
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
        }

        await _node.DisposeAsync();
    }
}
