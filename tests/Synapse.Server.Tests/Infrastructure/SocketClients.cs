using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Synapse.Server.Tests.Infrastructure;

/// <summary>
/// Official <c>socket.io-client</c> connections, driven through <c>tests/interop/synapse-clients.mjs</c>
/// (one Node process for all the connections of a test). Every event a client receives is kept in
/// its own inbox; <see cref="SocketClient.WaitForEventAsync"/> takes the first matching one out,
/// so a test can also assert that nothing else arrived.
/// </summary>
public sealed class SocketClients : IAsyncDisposable
{
    private readonly NodeScript _node;
    private readonly ConcurrentDictionary<string, SocketClient> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly Task _pump;
    private int _seq;

    private SocketClients(NodeScript node, Uri baseUri)
    {
        _node = node;
        BaseUri = baseUri;
        _pump = PumpAsync();
    }

    /// <summary>The server.</summary>
    public Uri BaseUri { get; }

    /// <summary>Starts the driver for a server.</summary>
    public static SocketClients Start(Uri baseUri) =>
        new(NodeScript.Start("synapse-clients.mjs", [baseUri.ToString()], timeout: TimeSpan.FromSeconds(60)), baseUri);

    /// <summary>Connects a client with <c>auth: { token }</c>; fails unless it connects.</summary>
    public async Task<SocketClient> ConnectAsync(string name, string token, object? options = null)
    {
        var client = await OpenAsync(name, new { token }, options);
        client.Token = token;
        var outcome = await client.WaitForAsync(m => m.Type is "connect" or "connect_error", "connect");
        Assert.True(outcome.Type == "connect", $"{name} could not connect: {outcome.Raw}{_node.Describe()}");
        return client;
    }

    /// <summary>Connects a client expected to be refused; returns its <c>connect_error</c> (message and data).</summary>
    public async Task<(string Message, JsonElement Data)> ConnectRefusedAsync(string name, object auth)
    {
        var client = await OpenAsync(name, auth, null);
        var outcome = await client.WaitForAsync(m => m.Type is "connect" or "connect_error", "connect_error");
        Assert.True(outcome.Type == "connect_error", $"{name} was expected to be refused: {outcome.Raw}");
        return (outcome.Raw.GetProperty("message").GetString()!, outcome.Raw.GetProperty("data"));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _node.DisposeAsync();
        await _pump;
    }

    internal async Task<JsonElement> EmitAsync(string client, string eventName, object?[] args, bool ack, TimeSpan? timeout)
    {
        var seq = Interlocked.Increment(ref _seq);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[seq] = reply;
        await _node.SendAsync(new { cmd = "emit", client, seq, @event = eventName, args, ack, timeout = (int)(timeout ?? Wait.Default).TotalMilliseconds });
        try
        {
            return await reply.Task.WaitAsync(Wait.Default + (timeout ?? TimeSpan.Zero));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{client}: no answer to {eventName}.{_node.Describe()}");
        }
        finally
        {
            _pending.TryRemove(seq, out _);
        }
    }

    internal Task SendAsync(object command) => _node.SendAsync(command);

    internal string Describe() => _node.Describe();

    private async Task<SocketClient> OpenAsync(string name, object auth, object? options)
    {
        var client = new SocketClient(this, name);
        Assert.True(_clients.TryAdd(name, client), $"client {name} exists");
        await _node.SendAsync(new { cmd = "connect", client = name, auth, options });
        return client;
    }

    private async Task PumpAsync()
    {
        while (true)
        {
            JsonElement message;
            try
            {
                message = await _node.ReadAsync(TimeSpan.FromMinutes(5));
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                foreach (var pending in _pending.Values)
                {
                    pending.TrySetException(new InvalidOperationException($"The client driver stopped.{_node.Describe()}"));
                }

                return;
            }

            var type = message.GetProperty("type").GetString();
            if (type is "ack" or "emitted" or "failure" && message.TryGetProperty("seq", out var seq) && seq.ValueKind == JsonValueKind.Number
                && _pending.TryGetValue(seq.GetInt32(), out var reply))
            {
                reply.TrySetResult(message);
                continue;
            }

            if (message.TryGetProperty("client", out var name) && _clients.TryGetValue(name.GetString()!, out var client))
            {
                client.Receive(new ClientMessage(type!, message));
            }
        }
    }
}

/// <summary>One message the driver printed for a client.</summary>
/// <param name="Type"><c>connect</c>, <c>connect_error</c>, <c>disconnect</c> or <c>event</c>.</param>
/// <param name="Raw">The whole line.</param>
public sealed record ClientMessage(string Type, JsonElement Raw)
{
    /// <summary>For events: the event name.</summary>
    public string? Event => Raw.TryGetProperty("event", out var e) ? e.GetString() : null;

    /// <summary>For events: the first argument.</summary>
    public JsonElement Payload => Raw.GetProperty("args")[0];
}

/// <summary>One socket.io-client connection.</summary>
public sealed class SocketClient
{
    private readonly SocketClients _driver;
    private readonly List<ClientMessage> _inbox = [];

    internal SocketClient(SocketClients driver, string name)
    {
        _driver = driver;
        Name = name;
    }

    /// <summary>The client's name in the driver.</summary>
    public string Name { get; }

    /// <summary>The access token it connected with.</summary>
    public string? Token { get; internal set; }

    /// <summary>
    /// A round trip (an acknowledged <c>authenticate</c>). Packets to one connection keep their
    /// order, so everything the server queued for this client before the round trip has arrived
    /// after it: the way to assert that an event was NOT sent, without sleeping.
    /// </summary>
    public Task SyncAsync() => EmitExpectingSuccessAsync("authenticate", new { token = Token });

    /// <summary>Asserts that no <paramref name="eventName"/> arrived (call after <see cref="SyncAsync"/>).</summary>
    public void AssertNone(string eventName, Func<JsonElement, bool>? match = null)
    {
        var pending = Pending(eventName).Where(p => match is null || match(p)).ToArray();
        Assert.True(pending.Length == 0, $"{Name} unexpectedly received {eventName}: {string.Join(", ", pending)}");
    }

    /// <summary>Emits with an ack callback and returns the ack's first argument (fails if the ack times out).</summary>
    public async Task<JsonElement> EmitWithAckAsync(string eventName, params object?[] args)
    {
        var reply = await _driver.EmitAsync(Name, eventName, args, ack: true, timeout: null);
        Assert.True(reply.GetProperty("type").GetString() == "ack", $"{Name} {eventName}: {reply}");
        Assert.True(reply.GetProperty("error").ValueKind == JsonValueKind.Null, $"{Name} {eventName}: ack timed out: {reply}");
        return reply.GetProperty("args")[0];
    }

    /// <summary>Emits with an ack callback and asserts a failure ack with <paramref name="code"/>.</summary>
    public async Task<JsonElement> EmitExpectingErrorAsync(string code, string eventName, params object?[] args)
    {
        var ack = await EmitWithAckAsync(eventName, args);
        AssertFailure(ack, code);
        return ack;
    }

    /// <summary>Emits with an ack callback and asserts <c>success: true</c>.</summary>
    public async Task<JsonElement> EmitExpectingSuccessAsync(string eventName, params object?[] args)
    {
        var ack = await EmitWithAckAsync(eventName, args);
        Assert.True(ack.GetProperty("success").GetBoolean(), $"{Name} {eventName} failed: {ack}");
        return ack;
    }

    /// <summary>Emits without ack callback.</summary>
    public Task EmitAsync(string eventName, params object?[] args) => _driver.EmitAsync(Name, eventName, args, ack: false, timeout: null);

    /// <summary>Takes the first received <paramref name="eventName"/> whose payload matches; returns its payload.</summary>
    public async Task<JsonElement> WaitForEventAsync(string eventName, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        var message = await WaitForAsync(m => m.Type == "event" && m.Event == eventName && (match is null || match(m.Payload)), $"event {eventName}", timeout);
        return message.Payload;
    }

    /// <summary>The payloads of the <paramref name="eventName"/> events received and not taken yet (they stay).</summary>
    public IReadOnlyList<JsonElement> Pending(string eventName)
    {
        lock (_inbox)
        {
            return _inbox.Where(m => m.Type == "event" && m.Event == eventName).Select(m => m.Payload).ToArray();
        }
    }

    /// <summary>Disconnects and waits for the client to see it.</summary>
    public async Task DisconnectAsync()
    {
        await _driver.SendAsync(new { cmd = "disconnect", client = Name });
        await WaitForAsync(m => m.Type == "disconnect", "disconnect");
    }

    /// <summary>Asserts a failure ack (or error event payload).</summary>
    public static void AssertFailure(JsonElement ack, string code)
    {
        Assert.True(ack.TryGetProperty("success", out var success) && !success.GetBoolean(), $"expected failure {code}: {ack}");
        var error = ack.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    internal void Receive(ClientMessage message)
    {
        lock (_inbox)
        {
            _inbox.Add(message);
        }
    }

    internal async Task<ClientMessage> WaitForAsync(Func<ClientMessage, bool> match, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Wait.Default;
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            lock (_inbox)
            {
                var index = _inbox.FindIndex(m => match(m));
                if (index >= 0)
                {
                    var found = _inbox[index];
                    _inbox.RemoveAt(index);
                    return found;
                }
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                string received;
                lock (_inbox)
                {
                    received = string.Join("\n", _inbox.Select(m => m.Raw.ToString()));
                }

                throw new TimeoutException($"{Name}: {what} not received within {limit.TotalMilliseconds} ms. Unclaimed:\n{received}{_driver.Describe()}");
            }

            await Task.Delay(5);
        }
    }
}
