using System.Net.WebSockets;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>MaxNamespacesPerConnection: a CONNECT beyond it gets a CONNECT_ERROR, and only that namespace is refused.</summary>
public sealed class NamespaceLimitTests
{
    private static Task<SioTestServer> StartAsync() =>
        SioTestServer.StartAsync(
            io =>
            {
                foreach (var name in new[] { "/", "/a", "/b" })
                {
                    io.Of(name).OnConnection(socket => socket.On("echo", (SocketIOArguments args) => socket.Emit("echo", args.ToObjects())));
                }
            },
            o =>
            {
                o.MaxNamespacesPerConnection = 2;
                o.PingInterval = TimeSpan.FromSeconds(20);
                o.PingTimeout = TimeSpan.FromSeconds(20);
            });

    [Fact]
    public async Task A_namespace_beyond_the_limit_is_refused_and_the_others_keep_working()
    {
        await using var server = await StartAsync();
        await using var client = await RawSioClient.OpenAsync(server);
        await client.JoinAsync("/");
        await client.JoinAsync("/a");

        await client.SendAsync("40/b,");
        Assert.Equal("44/b,{\"message\":\"Too many namespaces\"}", await client.ReceiveAsync());
        Assert.Equal(2, server.Sockets.Count);

        await client.AssertEchoesAsync("main");
        await client.AssertEchoesAsync("a", "/a");

        // Leaving a namespace frees its place.
        await client.SendAsync("41/a,");
        await Wait.UntilAsync(() => server.Sockets.Values.Count(s => s.Connected) == 1, because: "the socket of /a disconnected");
        await client.JoinAsync("/b");
        await client.AssertEchoesAsync("b", "/b");
        Assert.Empty(server.Errors);
    }

    [Fact]
    public async Task Connects_sent_together_count_before_they_complete()
    {
        await using var server = await StartAsync();
        await using var client = await RawSioClient.OpenAsync(server);

        // Three CONNECTs in a row, before any is answered: two are accepted, the third refused.
        await client.SendAsync("40");
        await client.SendAsync("40/a,");
        await client.SendAsync("40/b,");
        var replies = new[] { await client.ReceiveAsync(), await client.ReceiveAsync(), await client.ReceiveAsync() };

        Assert.Single(replies, r => r.StartsWith("40{", StringComparison.Ordinal));
        Assert.Single(replies, r => r.StartsWith("40/a,{", StringComparison.Ordinal));
        Assert.Single(replies, r => r == "44/b,{\"message\":\"Too many namespaces\"}");
        await client.AssertEchoesAsync("a", "/a");
    }
}
