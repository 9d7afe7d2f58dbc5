using System.Diagnostics;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary><c>EmitWithAckAsync</c> on broadcast operators: answers gathered from many socket.io-client clients, timeouts.</summary>
public sealed class BroadcastAckTests
{
    private static async Task<(SioTestServer Server, SioDriver Node)> StartAsync(params (string Name, object Answer)[] clients)
    {
        var server = await SioTestServer.StartAsync(io => io.OnConnection(async socket =>
        {
            if (socket.Handshake.Auth.TryGetProperty("room", out var room))
            {
                await socket.Join(room.GetString()!);
            }
        }));
        var node = server.StartDriver();
        foreach (var (name, answer) in clients)
        {
            await node.ConnectAsync(name, auth: new { room = name == "a" || name == "b" ? "ab" : "other" }, answers: new Dictionary<string, object> { ["vote"] = answer });
        }

        return (server, node);
    }

    private static object Reply(params object?[] args) => new { reply = args };

    [Fact]
    public async Task Every_client_answers_and_all_responses_are_returned()
    {
        var (server, node) = await StartAsync(("a", Reply("a", 1)), ("b", Reply("b", 2)), ("c", Reply("c", 3)));
        await using var _ = server;
        await using var __ = node;

        var responses = await server.Io.Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("vote", "yes?", new { ballot = new byte[] { 1, 2 } }).WithTimeout();

        Assert.Equal(3, responses.Count);
        Assert.Equal(["a", "b", "c"], responses.Select(r => r.GetValue<string>(0)).Order());
        Assert.Equal(6, responses.Sum(r => r.GetValue<int>(1)));
        foreach (var client in new[] { "a", "b", "c" })
        {
            var vote = await node.ReceiveAsync(client, "vote");
            Assert.Equal("yes?", vote[0].GetString());
            Assert.Equal(new byte[] { 1, 2 }, SioDriver.Bytes(vote[1].GetProperty("ballot")));
        }
    }

    [Fact]
    public async Task Without_a_timeout_it_completes_when_everyone_answered()
    {
        var (server, node) = await StartAsync(("a", new { reply = new object[] { "late" }, delay = 100 }), ("b", Reply("now")));
        await using var _ = server;
        await using var __ = node;

        var responses = await server.Io.EmitWithAckAsync("vote").WithTimeout();
        Assert.Equal(["late", "now"], responses.Select(r => r.GetValue<string>(0)).Order());
    }

    [Fact]
    public async Task A_client_that_never_answers_makes_it_time_out_with_the_partial_responses()
    {
        var (server, node) = await StartAsync(("a", Reply("a")), ("b", new { never = true }), ("c", Reply("c")));
        await using var _ = server;
        await using var __ = node;

        var started = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<SocketIOAckTimeoutException>(() => server.Io.Timeout(TimeSpan.FromMilliseconds(300)).EmitWithAckAsync("vote"));
        Assert.InRange(started.ElapsedMilliseconds, 250, 4000);

        Assert.Equal(3, error.Expected);
        Assert.Equal(2, error.Received);
        Assert.Equal(["a", "c"], error.Responses.Select(r => r.GetValue<string>(0)).Order());
        Assert.Contains("1 of 3", error.Message);
        Assert.True((await node.WaitForAsync("b", "recv", m => m.GetProperty("name").GetString() == "vote")).GetProperty("hasAck").GetBoolean());

        // The server and the silent client are fine afterwards.
        Assert.Equal(3, server.Io.Sockets.Sockets.Count);
        var silent = server.Sockets.Values.Single(s => IsClient(node, s, "b"));
        Assert.True(silent.Connected);
        var rest = await server.Io.Except(silent.Id).Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("vote").WithTimeout();
        Assert.Equal(2, rest.Count);
    }

    [Fact]
    public async Task Rooms_and_exclusions_apply_to_acks_and_nobody_targeted_completes_at_once()
    {
        var (server, node) = await StartAsync(("a", Reply("a")), ("b", Reply("b")), ("c", new { never = true }));
        await using var _ = server;
        await using var __ = node;

        var room = await server.Io.To("ab").Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("vote").WithTimeout();
        Assert.Equal(["a", "b"], room.Select(r => r.GetValue<string>(0)).Order());

        var bId = server.Sockets.Values.Single(s => IsClient(node, s, "b")).Id;
        var exceptB = await server.Io.To("ab").Except(bId).Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("vote").WithTimeout();
        Assert.Equal(["a"], exceptB.Select(r => r.GetValue<string>(0)));

        var none = await server.Io.To("empty").Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("vote").WithTimeout(TimeSpan.FromSeconds(1));
        Assert.Empty(none);

        // From a socket: everyone else.
        var aSocket = server.Sockets.Values.Single(s => IsClient(node, s, "a"));
        var others = await aSocket.To("ab").Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("vote").WithTimeout();
        Assert.Equal(["b"], others.Select(r => r.GetValue<string>(0)));
    }

    private static bool IsClient(SioDriver node, Socket socket, string client) =>
        node.Messages.Any(m => SioDriver.Is(m, client, "connect") && m.GetProperty("id").GetString() == socket.Id);
}
