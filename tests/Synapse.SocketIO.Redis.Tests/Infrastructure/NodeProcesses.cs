using System.Text.Json;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Redis.Tests.Infrastructure;

/// <summary>A Node socket.io 4.8 server with @socket.io/redis-adapter 8.3 (tests/interop/redis-node-server.mjs).</summary>
internal sealed class NodeServer : IAsyncDisposable
{
    private readonly NodeScript _node;
    private int _ids;

    private NodeServer(NodeScript node, int port, string uid)
    {
        _node = node;
        BaseUri = new Uri($"http://127.0.0.1:{port}/");
        Uid = uid;
    }

    public Uri BaseUri { get; }

    /// <summary>The uid of its "/" adapter.</summary>
    public string Uid { get; }

    public IReadOnlyList<JsonElement> Messages => _node.Messages;

    public static async Task<NodeServer> StartAsync(RedisServer redis, string key, bool sharded, string subscriptionMode = "dynamic")
    {
        var node = NodeScript.Start("redis-node-server.mjs", [redis.Url, sharded ? "sharded" : "classic", key, subscriptionMode], timeout: TimeSpan.FromSeconds(60));
        try
        {
            var listening = await NodeMessages.WaitAsync(node, 0, m => m.GetProperty("event").GetString() == "listening", TimeSpan.FromSeconds(15), "listening");
            return new NodeServer(node, listening.GetProperty("port").GetInt32(), listening.GetProperty("uid").GetString()!);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a command; returns its result message (<c>value</c> or <c>error</c>).</summary>
    public async Task<JsonElement> RunAsync(object command, TimeSpan? timeout = null)
    {
        var id = Interlocked.Increment(ref _ids).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var json = JsonSerializer.SerializeToNode(command)!.AsObject();
        json["id"] = id;
        await _node.SendAsync(json.ToJsonString());
        return await NodeMessages.WaitAsync(
            _node,
            0,
            m => m.GetProperty("event").GetString() == "result" && m.GetProperty("id").GetString() == id,
            timeout ?? TimeSpan.FromSeconds(10),
            $"result of {json.ToJsonString()}");
    }

    /// <summary>Runs a command that must succeed; returns its value.</summary>
    public async Task<JsonElement> ValueAsync(object command, TimeSpan? timeout = null)
    {
        var result = await RunAsync(command, timeout);
        Assert.False(result.TryGetProperty("error", out var error), $"Node server failed: {error}");
        return result.GetProperty("value");
    }

    /// <summary>How many messages were printed so far (pass it as <c>from</c>).</summary>
    public int Mark => _node.Messages.Count;

    /// <summary>Waits for a server-side event printed by the Node server (at index ≥ <paramref name="from"/>).</summary>
    public Task<JsonElement> ServerSideEventAsync(string name, int from = 0) =>
        NodeMessages.WaitAsync(_node, from, m => m.GetProperty("event").GetString() == "serverSideEvent" && m.GetProperty("name").GetString() == name, TimeSpan.FromSeconds(10), $"server-side event {name}");

    public string Describe() => _node.Describe();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _node.SendAsync(new { cmd = "exit", id = "exit" });
            await _node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or TimeoutException or ObjectDisposedException)
        {
        }

        await _node.DisposeAsync();
    }
}

/// <summary>@socket.io/redis-emitter 5.1 (tests/interop/redis-emitter.mjs).</summary>
internal sealed class NodeEmitter : IAsyncDisposable
{
    private readonly NodeScript _node;
    private int _ids;

    private NodeEmitter(NodeScript node) => _node = node;

    public static async Task<NodeEmitter> StartAsync(RedisServer redis, string key)
    {
        var node = NodeScript.Start("redis-emitter.mjs", [redis.Url, key], timeout: TimeSpan.FromSeconds(60));
        await NodeMessages.WaitAsync(node, 0, m => m.GetProperty("event").GetString() == "ready", TimeSpan.FromSeconds(15), "emitter ready");
        return new NodeEmitter(node);
    }

    /// <summary>Runs a command and waits until the emitter published it.</summary>
    public async Task RunAsync(object command)
    {
        var id = Interlocked.Increment(ref _ids).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var json = JsonSerializer.SerializeToNode(command)!.AsObject();
        json["id"] = id;
        await _node.SendAsync(json.ToJsonString());
        await NodeMessages.WaitAsync(_node, 0, m => m.GetProperty("event").GetString() == "done" && m.GetProperty("id").GetString() == id, TimeSpan.FromSeconds(10), $"emitter {json.ToJsonString()}");
    }

    public async ValueTask DisposeAsync() => await _node.DisposeAsync();
}

/// <summary>Waits on everything a script printed (never consumes: several waits can look at the same messages).</summary>
internal static class NodeMessages
{
    public static async Task<JsonElement> WaitAsync(NodeScript node, int from, Func<JsonElement, bool> predicate, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var messages = node.Messages;
            for (var i = from; i < messages.Count; i++)
            {
                if (messages[i].ValueKind == JsonValueKind.Object && messages[i].TryGetProperty("event", out _) && predicate(messages[i]))
                {
                    return messages[i];
                }
            }

            if (DateTime.UtcNow > deadline || node.HasExited)
            {
                throw new TimeoutException($"{node.Name}: {what} not seen within {timeout.TotalMilliseconds} ms{(node.HasExited ? " (exited)" : string.Empty)}.{node.Describe()}");
            }

            await Task.Delay(5);
        }
    }
}
