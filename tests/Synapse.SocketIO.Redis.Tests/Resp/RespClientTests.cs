using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Synapse.SocketIO.Redis.Resp;
using Synapse.SocketIO.Redis.Tests.Infrastructure;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Redis.Tests.Resp;

/// <summary>The RESP parser, connection strings, and the client against a real redis-server.</summary>
[Collection(RedisCollection.Name)]
public sealed class RespClientTests(RedisFixture redis)
{
    [Fact]
    public void Parser_reads_every_reply_type_and_waits_for_incomplete_ones()
    {
        var text = "+OK\r\n-ERR bad\r\n:-42\r\n$5\r\nhe\r\nl\r\n$-1\r\n*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$0\r\n\r\n*-1\r\n_\r\n#t\r\n,1.5\r\n%1\r\n+k\r\n:1\r\n>2\r\n+a\r\n+b\r\n"u8.ToArray();
        var values = new List<RespValue>();
        var sequence = new ReadOnlySequence<byte>(text);
        var reader = new SequenceReader<byte>(sequence);
        while (RespParser.TryRead(ref reader, out var value))
        {
            values.Add(value);
        }

        Assert.True(reader.End);
        Assert.Equal(["OK", "ERR ERR bad", "-42", "he\r\nl", "(nil)", "[message, ch, ]", "(nil)", "(nil)", "t", "1.5", "[k, 1]", "[a, b]"], values.Select(v => v.ToString()));
        Assert.True(values[1].IsError);

        // Every prefix of the input is "incomplete", never an error, and consumes nothing.
        for (var cut = 0; cut < text.Length; cut++)
        {
            var partial = new SequenceReader<byte>(new ReadOnlySequence<byte>(text, 0, cut));
            var count = 0;
            while (RespParser.TryRead(ref partial, out _))
            {
                count++;
            }

            Assert.True(count <= values.Count);
        }
    }

    [Theory]
    [InlineData("?x\r\n", "Unexpected RESP type")]
    [InlineData(":12a\r\n", "Invalid RESP integer")]
    [InlineData("$3\r\nabcd\r\n", "does not end with CRLF")]
    [InlineData("$2000000000\r\n", "exceeds the limit")]
    [InlineData("*2000000000\r\n", "exceeds the limit")]
    public void Parser_rejects_malformed_replies(string input, string message)
    {
        var error = Assert.Throws<InvalidDataException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(input)));
            RespParser.TryRead(ref reader, out _, maxBulkLength: 1_000_000);
        });
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost", "localhost", 6379, null, null, false)]
    [InlineData("10.0.0.1:7000", "10.0.0.1", 7000, null, null, false)]
    [InlineData("redis.local:6380,password=s3cret,ssl=true,abortConnect=false", "redis.local", 6380, null, "s3cret", true)]
    [InlineData("[::1]:6390,user=app,password=p", "::1", 6390, "app", "p", false)]
    [InlineData("redis://:pw@cache:6381", "cache", 6381, null, "pw", false)]
    [InlineData("rediss://app:p%40ss@cache", "cache", 6379, "app", "p@ss", true)]
    public void Connection_strings_are_understood(string text, string host, int port, string? user, string? password, bool ssl)
    {
        var endpoint = RedisEndpoint.Parse(text);
        Assert.Equal((host, port, user, password, ssl), (endpoint.Host, endpoint.Port, endpoint.User, endpoint.Password, endpoint.Ssl));
        Assert.Throws<FormatException>(() => RedisEndpoint.Parse("host:6379,bogus=1"));
        Assert.Throws<FormatException>(() => RedisEndpoint.Parse("a:1,b:2"));
    }

    [Fact]
    public async Task Commands_are_pipelined_and_answered_in_order()
    {
        await using var client = new RedisClient(Options(redis.Server), NullLogger.Instance);
        await client.WaitConnectedAsync(TimeSpan.FromSeconds(5));
        var key = "pipeline:" + Guid.NewGuid().ToString("N");
        var tasks = Enumerable.Range(0, 2000).Select(_ => client.ExecuteAsync("INCR", key)).ToArray();
        var replies = await Task.WhenAll(tasks);
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => (long)i), replies.Select(r => r.Integer));
        var error = await Assert.ThrowsAsync<RedisServerException>(() => client.ExecuteAsync("NOSUCHCOMMAND"));
        Assert.Contains("unknown command", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1L, (await client.ExecuteAsync("EXISTS", key)).Integer); // the connection survived the error
        var big = new byte[3 * 1024 * 1024];
        Random.Shared.NextBytes(big);
        await client.ExecuteAsync([Encoding.ASCII.GetBytes("SET"), Encoding.ASCII.GetBytes(key + ":big"), big]);
        Assert.Equal(big, (await client.ExecuteAsync([Encoding.ASCII.GetBytes("GET"), Encoding.ASCII.GetBytes(key + ":big")])).Bytes);
    }

    [Fact]
    public async Task Subscriber_receives_channel_pattern_and_shard_messages()
    {
        await using var client = new RedisClient(Options(redis.Server), NullLogger.Instance);
        await using var subscriber = new RedisSubscriber(Options(redis.Server), NullLogger.Instance);
        var received = new ConcurrentQueue<RedisPubSubMessage>();
        var prefix = "sub-" + Guid.NewGuid().ToString("N")[..8];
        await subscriber.SubscribeAsync(SubscriptionKind.Channel, prefix + ":plain", received.Enqueue);
        await subscriber.SubscribeAsync(SubscriptionKind.Pattern, prefix + ":pat*", received.Enqueue);
        await subscriber.SubscribeAsync(SubscriptionKind.Shard, prefix + ":shard", received.Enqueue);
        await subscriber.WaitConnectedAsync(TimeSpan.FromSeconds(5));
        await client.WaitConnectedAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(1, await client.SubscriberCountAsync(Encoding.UTF8.GetBytes(prefix + ":plain"), sharded: false));
        Assert.Equal(1, await client.SubscriberCountAsync(Encoding.UTF8.GetBytes(prefix + ":shard"), sharded: true));
        await client.PublishAsync(Encoding.UTF8.GetBytes(prefix + ":plain"), new byte[] { 0, 1, 0xff }, sharded: false);
        await client.PublishAsync(Encoding.UTF8.GetBytes(prefix + ":pattern"), "p"u8.ToArray(), sharded: false);
        await client.PublishAsync(Encoding.UTF8.GetBytes(prefix + ":shard"), "s"u8.ToArray(), sharded: true);
        await client.PublishAsync(Encoding.UTF8.GetBytes(prefix + ":shard"), "not a shard message"u8.ToArray(), sharded: false);
        await Wait.UntilAsync(() => received.Count >= 3);
        await Task.Delay(50);
        Assert.Equal(
            [(SubscriptionKind.Channel, prefix + ":plain", "0001ff"), (SubscriptionKind.Pattern, prefix + ":pattern", "70"), (SubscriptionKind.Shard, prefix + ":shard", "73")],
            received.Select(m => (m.Kind, m.Channel, Convert.ToHexStringLower(m.Payload))));

        await subscriber.UnsubscribeAsync(SubscriptionKind.Shard, prefix + ":shard");
        Assert.Equal(0, await client.SubscriberCountAsync(Encoding.UTF8.GetBytes(prefix + ":shard"), sharded: true));
    }

    [Fact]
    public async Task Clients_fail_fast_while_Redis_is_down_then_reconnect_and_resubscribe()
    {
        await using var server = await RedisServer.StartAsync();
        var options = Options(server) with { ReconnectMaxDelay = TimeSpan.FromMilliseconds(200) };
        await using var client = new RedisClient(options, NullLogger.Instance);
        await using var subscriber = new RedisSubscriber(options, NullLogger.Instance);
        var received = new ConcurrentQueue<RedisPubSubMessage>();
        var changes = new ConcurrentQueue<bool>();
        subscriber.ConnectionChanged += changes.Enqueue;
        await subscriber.SubscribeAsync(SubscriptionKind.Channel, "ch", received.Enqueue);
        await subscriber.SubscribeAsync(SubscriptionKind.Shard, "sh", received.Enqueue);
        await subscriber.WaitConnectedAsync(TimeSpan.FromSeconds(5));
        await client.WaitConnectedAsync(TimeSpan.FromSeconds(5));

        await server.StopAsync();
        await Wait.UntilAsync(() => !client.IsConnected && !subscriber.IsConnected);
        var started = DateTime.UtcNow;
        await Assert.ThrowsAsync<RedisConnectionException>(() => client.PublishAsync("ch"u8.ToArray(), "lost"u8.ToArray(), sharded: false));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromMilliseconds(200), "fails at once, nothing is queued");
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => client.WaitConnectedAsync(TimeSpan.FromMilliseconds(100)));
        Assert.Contains("unreachable", timeout.Message, StringComparison.Ordinal);

        await server.StartAgainAsync();
        await client.WaitConnectedAsync(TimeSpan.FromSeconds(5));
        await subscriber.WaitConnectedAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, subscriber.ConnectionCount);
        Assert.Equal([true, false, true], changes);
        Assert.Equal(1, await client.SubscriberCountAsync("ch"u8.ToArray(), sharded: false));
        Assert.Equal(1, await client.SubscriberCountAsync("sh"u8.ToArray(), sharded: true));
        await client.PublishAsync("ch"u8.ToArray(), "back"u8.ToArray(), sharded: false);
        await client.PublishAsync("sh"u8.ToArray(), "back"u8.ToArray(), sharded: true);
        await Wait.UntilAsync(() => received.Count == 2);
    }

    [Fact]
    public async Task A_silent_connection_is_dropped_by_the_health_check()
    {
        await using var server = await RedisServer.StartAsync();
        var options = Options(server) with { HealthCheckInterval = TimeSpan.FromMilliseconds(100), CommandTimeout = TimeSpan.FromMilliseconds(300) };
        await using var client = new RedisClient(options, NullLogger.Instance);
        await client.WaitConnectedAsync(TimeSpan.FromSeconds(5));

        // CLIENT PAUSE makes Redis stop answering (as a half-open connection would): PING times out.
        await using (var admin = new RedisClient(Options(server), NullLogger.Instance))
        {
            await admin.WaitConnectedAsync(TimeSpan.FromSeconds(5));
            await admin.ExecuteAsync("CLIENT", "PAUSE", "1500", "ALL");
        }

        await Wait.UntilAsync(() => client.ConnectionCount >= 2, TimeSpan.FromSeconds(5), "the client dropped the silent connection and reconnected");
        // Once the pause is over, the new connection answers.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            try
            {
                Assert.Equal("PONG", (await client.ExecuteAsync("PING")).Text);
                break;
            }
            catch (Exception ex) when (ex is TimeoutException or RedisConnectionException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private static RedisClientOptions Options(RedisServer server) => new()
    {
        Endpoint = RedisEndpoint.Parse(server.ConnectionString),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(300),
    };
}
