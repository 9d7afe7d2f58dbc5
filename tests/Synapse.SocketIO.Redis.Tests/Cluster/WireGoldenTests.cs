using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Synapse.SocketIO.Protocol;
using Synapse.SocketIO.Protocol.MessagePack;
using Synapse.SocketIO.Redis.Resp;
using Synapse.SocketIO.Redis.Tests.Infrastructure;
using Synapse.SocketIO.Redis.Tests.MessagePack;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Redis.Tests.Cluster;

/// <summary>
/// What our nodes publish is, byte for byte, what Node published for the same operation in the
/// captured vectors, once the random parts (node uids, request ids, socket ids) are set aside.
/// The cluster is the vectors' one: a1 (room1), a2 (room2) on A; b1 (room1), b2 (room2, room3) on B.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class WireGoldenTests(RedisFixture redis)
{
    [Fact]
    public async Task Classic_messages_match_the_captured_ones()
    {
        await using var c = await TwoNodes.StartAsync(redis.Server, sharded: false);
        await using var capture = await Capture.StartAsync(redis.Server, SubscriptionKind.Pattern, c.Key + "*");
        var a = c.A.Io;
        var key = c.Key;

        await capture.ExpectAsync(() => a.Emit("hello", "world"), "classic-broadcast-all-01-broadcast", c, key);
        await capture.ExpectAsync(() => a.To("room1").Emit("hello", "room1 only"), "classic-broadcast-one-room-01-broadcast", c, key);
        await capture.ExpectAsync(() => a.Volatile.Emit("tick", 42), "classic-broadcast-volatile-01-broadcast", c, key);
        await capture.ExpectAsync(() => a.To("room2").Compress(false).Emit("big", "x"), "classic-broadcast-compress-false-01-broadcast", c, key);
        await capture.ExpectAsync(() => a.To("room1", "room2").Except("room3").Emit("hello", 1, 2.5), "classic-broadcast-two-rooms-except-01-broadcast", c, key);
        await capture.ExpectAsync(
            () => a.Emit("bin", new byte[] { 1, 2, 3 }, new byte[] { 4, 5, 6 }, new { nested = "hi"u8.ToArray(), u16 = new byte[] { 1, 0, 1 } }),
            "classic-broadcast-binary-01-broadcast",
            c,
            key);
        await capture.ExpectAsync(async () => (await c.A.SocketAsync(c.Ids["a1"])).Broadcast.Emit("from-a1", "everyone but me"), "classic-broadcast-from-socket-01-broadcast", c, key);
        await capture.ExpectAsync(async () => (await a.In(c.Ids["b1"]).FetchSocketsAsync()).Single().Emit("direct", "to b1 via RemoteSocket"), "classic-remote-socket-emit-01-broadcast", c, key);

        // Broadcast with acknowledgements: the request, and B's client count (2 clients on B).
        var mark = capture.Mark;
        await a.Timeout(TimeSpan.FromSeconds(2)).EmitWithAckAsync("ack-me", "ping");
        capture.AssertPublished(mark, "classic-broadcast-with-ack-01-request-broadcast", c, key);
        capture.AssertPublished(mark, "classic-broadcast-with-ack-02-response-broadcast-client-count", c, key);

        // Requests (JSON).
        await capture.ExpectAsync(() => a.FetchSocketsAsync(), "classic-fetch-sockets-01-request-remote-fetch", c, key);
        await capture.ExpectAsync(() => a.In("room1").Except("room3").FetchSocketsAsync(), "classic-fetch-sockets-room-except-01-request-remote-fetch", c, key);
        await capture.ExpectAsync(() => a.In("room1").SocketsJoinAsync("room7", "room8"), "classic-sockets-join-01-request-remote-join", c, key);
        await capture.ExpectAsync(() => a.In("room1").Except("room2").SocketsLeaveAsync("room7"), "classic-sockets-leave-01-request-remote-leave", c, key);
        await capture.ExpectAsync(() => a.ServerSideEmitAsync("sse", "hello", 1, new { a = new[] { true } }), "classic-server-side-emit-01-request-server-side-emit", c, key);
        mark = capture.Mark;
        await a.ServerSideEmitWithAckAsync(TimeSpan.FromSeconds(2), "sse-ack", "question");
        capture.AssertPublished(mark, "classic-server-side-emit-ack-01-request-server-side-emit", c, key);
        capture.AssertPublished(mark, "classic-server-side-emit-ack-02-response-server-side-emit", c, key);
        await capture.ExpectAsync(() => a.In("room3").DisconnectSocketsAsync(close: true), "classic-disconnect-sockets-close-01-request-remote-disconnect", c, key);
    }

    [Fact]
    public async Task Sharded_messages_match_the_captured_ones()
    {
        await using var c = await TwoNodes.StartAsync(redis.Server, sharded: true);

        // Shard channels cannot be pattern-subscribed: listen to room1's channel and to the
        // namespace channel (that listener counts as a third node, so no request awaits answers).
        var prefix = c.Key + "#/#";
        await using var capture = await Capture.StartAsync(redis.Server, SubscriptionKind.Shard, prefix + "room1#");
        await using var third = await Capture.StartAsync(redis.Server, SubscriptionKind.Shard, prefix);
        await ClusterTest.WaitForServerCountAsync(3, c.A, c.B);
        var a = c.A.Io;
        var key = c.Key;

        await capture.ExpectAsync(() => a.To("room1").Emit("hello", "room1 only"), "sharded-broadcast-one-room-01-room-broadcast", c, key);
        await third.ExpectAsync(() => a.Emit("hello", "world"), "sharded-broadcast-all-01-main-broadcast", c, key);
        await third.ExpectAsync(() => a.Volatile.Emit("tick", 42), "sharded-broadcast-volatile-01-main-broadcast", c, key);
        await third.ExpectAsync(() => a.To("room1", "room2").Except("room3").Emit("hello", 1, 2.5), "sharded-broadcast-two-rooms-except-01-main-broadcast", c, key);
        await third.ExpectAsync(() => a.To(c.Ids["b1"]).Emit("private", "just b1"), "sharded-broadcast-to-socket-id-01-main-broadcast", c, key);
        await third.ExpectAsync(() => a.In("room1").SocketsJoinAsync("room7"), "sharded-sockets-join-01-main-sockets-join", c, key);
        await third.ExpectAsync(() => a.In("room1").Except("room2").SocketsLeaveAsync("room7"), "sharded-sockets-leave-01-main-sockets-leave", c, key);
        await third.ExpectAsync(() => a.ServerSideEmitAsync("sse", "hello", 1), "sharded-server-side-emit-01-main-server-side-emit", c, key);
        await third.ExpectAsync(() => a.In("nobody").DisconnectSocketsAsync(close: true), "sharded-disconnect-sockets-no-match-01-main-disconnect-sockets", c, key);
        await third.ExpectAsync(
            async () => await Assert.ThrowsAnyAsync<TimeoutException>(() => a.To("room1").Timeout(TimeSpan.FromSeconds(2)).EmitWithAckAsync("ack-me", "ping")), // the listener, counted as a node, never answers
            "sharded-broadcast-with-ack-01-main-broadcast",
            c,
            key);
    }

    /// <summary>A raw subscriber that records every message it hears.</summary>
    private sealed class Capture : IAsyncDisposable
    {
        private readonly RedisSubscriber _subscriber;
        private readonly ConcurrentQueue<RedisPubSubMessage> _messages = new();

        private Capture(RedisSubscriber subscriber) => _subscriber = subscriber;

        public int Mark => _messages.Count;

        public static async Task<Capture> StartAsync(RedisServer redis, SubscriptionKind kind, string name)
        {
            var subscriber = new RedisSubscriber(new RedisClientOptions { Endpoint = RedisEndpoint.Parse(redis.ConnectionString) }, NullLogger.Instance);
            var capture = new Capture(subscriber);
            await subscriber.WaitConnectedAsync(TimeSpan.FromSeconds(5));
            await subscriber.SubscribeAsync(kind, name, capture._messages.Enqueue);
            return capture;
        }

        public async Task ExpectAsync(Func<Task> action, string vectorName, TwoNodes c, string key)
        {
            var mark = Mark;
            await action();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
            while (Find(mark, vectorName, c, key, out _) is null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            AssertPublished(mark, vectorName, c, key);
        }

        public Task ExpectAsync(Action action, string vectorName, TwoNodes c, string key) =>
            ExpectAsync(() =>
            {
                action();
                return Task.CompletedTask;
            }, vectorName, c, key);

        public void AssertPublished(int mark, string vectorName, TwoNodes c, string key)
        {
            var found = Find(mark, vectorName, c, key, out var candidates);
            Assert.True(found is not null, $"no message like {vectorName}; heard:\n{string.Join("\n", candidates)}");
        }

        public async ValueTask DisposeAsync() => await _subscriber.DisposeAsync();

        // The message published on the vector's channel whose normalized bytes equal the vector's.
        private string? Find(int mark, string vectorName, TwoNodes c, string key, out List<string> candidates)
        {
            var vector = Vector.Get(vectorName);
            var ids = c.Ids.ToDictionary(p => p.Value, p => "<" + p.Key + ">");
            foreach (var client in vector.Context.GetProperty("clients").EnumerateObject())
            {
                ids[client.Value.GetProperty("sid").GetString()!] = "<" + client.Name + ">";
            }

            var expected = Normalize(vector.Payload, ids);
            var channel = vector.Channel.Replace("socket.io", key, StringComparison.Ordinal);
            foreach (var (vectorId, name) in ids)
            {
                channel = channel.Replace(vectorId, name, StringComparison.Ordinal);
            }

            candidates = [];
            foreach (var message in _messages.Skip(mark))
            {
                var heardChannel = message.Channel;
                foreach (var (id, name) in ids)
                {
                    heardChannel = heardChannel.Replace(id, name, StringComparison.Ordinal);
                }

                var normalized = Normalize(message.Payload, ids);
                candidates.Add($"{heardChannel}: {normalized}");
                if (heardChannel == channel && normalized == expected)
                {
                    return normalized;
                }
            }

            return null;
        }

        // Decodes, sets aside uids, request ids and socket ids, and encodes again in the same format.
        private static string Normalize(byte[] payload, Dictionary<string, string> ids)
        {
            var json = payload[0] == (byte)'{';
            var value = json ? JavaScriptJson.Parse(payload) : MessagePackSerializer.Deserialize(payload);
            if (value is object?[] { Length: 3 } broadcast)
            {
                broadcast[0] = "<uid>";
            }

            value = Replace(value, ids);
            return json
                ? Encoding.UTF8.GetString(JavaScriptJson.Stringify(value))
                : Convert.ToHexStringLower(MessagePackSerializer.Serialize(value));
        }

        private static object? Replace(object? value, Dictionary<string, string> ids) => value switch
        {
            string text => ids.GetValueOrDefault(text, text),
            object?[] array => array.Select(v => Replace(v, ids)).ToArray(),
            Dictionary<string, object?> map => map.ToDictionary(
                p => p.Key,
                p => p.Key is "uid" or "requestId" ? "<" + p.Key + ">" : Replace(p.Value, ids)),
            _ => value,
        };
    }
}
