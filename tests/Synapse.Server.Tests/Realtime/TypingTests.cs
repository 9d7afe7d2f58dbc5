using System.Diagnostics;
using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Realtime;

/// <summary>The shared server's typing timeout is 1 second.</summary>
public sealed class TypingTests(ServerFixture fixture) : RealtimeTest(fixture)
{
    [Fact]
    public async Task Typing_reaches_the_others_in_the_room_and_stops()
    {
        var (alice, bob, room, a, b) = await TwoInRoomAsync();

        await b.EmitExpectingSuccessAsync("typing:start", new { roomId = room });
        var typing = await a.WaitForEventAsync("user:typing");
        Assert.Equal(bob.Id, typing.GetProperty("userId").GetString());
        Assert.Equal(bob.UserName, typing.GetProperty("userName").GetString());
        Assert.Equal(room, typing.GetProperty("roomId").GetString());

        await b.EmitExpectingSuccessAsync("typing:stop", new { roomId = room });
        var stopped = await a.WaitForEventAsync("user:stop-typing");
        Assert.Equal(bob.Id, stopped.GetProperty("userId").GetString());
        Assert.Equal(room, stopped.GetProperty("roomId").GetString());

        await b.SyncAsync();
        b.AssertNone("user:typing");
        b.AssertNone("user:stop-typing");
    }

    [Fact]
    public async Task A_typing_state_that_is_not_refreshed_expires()
    {
        var (_, bob, room, a, b) = await TwoInRoomAsync();

        var started = Stopwatch.GetTimestamp();
        await b.EmitExpectingSuccessAsync("typing:start", new { roomId = room });
        await a.WaitForEventAsync("user:typing");
        var stopped = await a.WaitForEventAsync("user:stop-typing", timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(bob.Id, stopped.GetProperty("userId").GetString());
        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(900), "expired too early");
    }

    [Fact]
    public async Task Refreshing_keeps_a_typing_state_alive()
    {
        // A 3 s timeout on a server of its own: a refresh round trip on a loaded machine can take
        // most of a second, which the shared server's 1 s timeout would not tolerate.
        await using var own = await OwnServerAsync(TimeSpan.FromSeconds(3));
        var (room, a, b) = (own.Room, own.A, own.B);

        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < 8; i++)
        {
            await b.EmitExpectingSuccessAsync("typing:start", new { roomId = room });
            await a.WaitForEventAsync("user:typing");
            await Task.Delay(500);
        }

        var lastRefresh = Stopwatch.GetTimestamp();
        await b.EmitExpectingSuccessAsync("typing:start", new { roomId = room });

        // Refreshed every ~500 ms for over 4 s, longer than the timeout: no expiry until the timeout
        // has passed since the last refresh.
        await a.SyncAsync();
        a.AssertNone("user:stop-typing");
        Assert.True(Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(3), "the refreshes did not outlast the timeout");
        await a.WaitForEventAsync("user:stop-typing", timeout: TimeSpan.FromSeconds(10));
        Assert.True(Stopwatch.GetElapsedTime(lastRefresh) >= TimeSpan.FromSeconds(2.5), "expired while being refreshed");
    }

    [Fact]
    public async Task Typing_needs_a_joined_room()
    {
        var user = await Server.RegisterAsync("lonely");
        var room = await Server.CreateRoomAsync(user, isPrivate: false);
        var client = await ConnectAsync(user);

        await client.EmitExpectingErrorAsync("FORBIDDEN", "typing:start", new { roomId = room });
        await client.EmitExpectingErrorAsync("VALIDATION_ERROR", "typing:start", new { });
    }

    [Fact]
    public async Task Disconnecting_ends_the_sockets_typing_states()
    {
        await using var own = await OwnServerAsync(TimeSpan.FromMinutes(1));
        var (bob, room, a, b) = (own.Bob, own.Room, own.A, own.B);

        await b.EmitExpectingSuccessAsync("typing:start", new { roomId = room });
        await a.WaitForEventAsync("user:typing");
        await b.DisconnectAsync();

        // The timeout is a minute: this stop comes from the disconnect.
        var stopped = await a.WaitForEventAsync("user:stop-typing");
        Assert.Equal(bob.Id, stopped.GetProperty("userId").GetString());
    }

    /// <summary>Alice and Bob in a room of a server of its own, with the given typing timeout.</summary>
    private async Task<OwnServer> OwnServerAsync(TimeSpan typingTimeout)
    {
        var server = await SynapseServer.StartAsync(settings: new Dictionary<string, string> { ["Synapse:Realtime:TypingTimeout"] = typingTimeout.ToString("c") });
        var clients = SocketClients.Start(server.BaseUri);
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        var room = await server.CreateRoomAsync(alice, isPrivate: true, bob);
        var a = await clients.ConnectAsync("a", alice.AccessToken);
        var b = await clients.ConnectAsync("b", bob.AccessToken);
        await JoinAsync(a, room);
        await JoinAsync(b, room);
        return new OwnServer(server, clients, bob, room, a, b);
    }

    private sealed record OwnServer(SynapseServer Server, SocketClients Clients, TestUser Bob, string Room, SocketClient A, SocketClient B) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Clients.DisposeAsync();
            await Server.DisposeAsync();
        }
    }

    private async Task<(TestUser Alice, TestUser Bob, string Room, SocketClient A, SocketClient B)> TwoInRoomAsync()
    {
        var alice = await Server.RegisterAsync("alice");
        var bob = await Server.RegisterAsync("bob");
        var room = await Server.CreateRoomAsync(alice, isPrivate: true, bob);
        var a = await ConnectAsync(alice);
        var b = await ConnectAsync(bob);
        await JoinAsync(a, room);
        await JoinAsync(b, room);
        return (alice, bob, room, a, b);
    }
}
