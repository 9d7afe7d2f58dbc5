using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Realtime;

public sealed class PresenceTests(ServerFixture fixture) : RealtimeTest(fixture)
{
    [Fact]
    public async Task Two_tabs_of_one_user_are_one_presence()
    {
        var alice = await Server.RegisterAsync("alice");
        var bob = await Server.RegisterAsync("bob");
        var room = await Server.CreateRoomAsync(bob, isPrivate: true, alice);
        var b = await ConnectAsync(bob);
        await JoinAsync(b, room);

        var tab1 = await ConnectAsync(alice, "alice-1");
        var online = await b.WaitForEventAsync("user:online");
        Assert.Equal(alice.Id, online.GetProperty("userId").GetString());
        Assert.Equal(alice.UserName, online.GetProperty("userName").GetString());

        var tab2 = await ConnectAsync(alice, "alice-2");
        await tab2.SyncAsync();
        await b.SyncAsync();
        b.AssertNone("user:online");

        await tab1.DisconnectAsync();
        await tab2.SyncAsync();
        await b.SyncAsync();
        b.AssertNone("user:offline");
        Assert.Equal(new[] { alice.Id, bob.Id }.Order(StringComparer.Ordinal), await OnlineAsync(b, room));

        await tab2.DisconnectAsync();
        var offline = await b.WaitForEventAsync("user:offline");
        Assert.Equal(alice.Id, offline.GetProperty("userId").GetString());
        Assert.Equal([bob.Id], await OnlineAsync(b, room));
    }

    [Fact]
    public async Task Presence_goes_only_to_the_users_rooms()
    {
        var alice = await Server.RegisterAsync("alice");
        var stranger = await Server.RegisterAsync("stranger");
        var strangersRoom = await Server.CreateRoomAsync(stranger, isPrivate: false);
        var s = await ConnectAsync(stranger);
        await JoinAsync(s, strangersRoom);

        await ConnectAsync(alice);

        await s.SyncAsync();
        s.AssertNone("user:online");
    }

    [Fact]
    public async Task Presence_list_acks_the_online_members()
    {
        var alice = await Server.RegisterAsync("alice");
        var bob = await Server.RegisterAsync("bob");
        var room = await Server.CreateRoomAsync(alice, isPrivate: false, bob);
        var a = await ConnectAsync(alice);

        var ack = await a.EmitExpectingSuccessAsync("presence:list", new { roomId = room });

        Assert.Equal(room, ack.GetProperty("roomId").GetString());
        Assert.Equal([alice.Id], ack.GetProperty("userIds").EnumerateArray().Select(u => u.GetString()));
    }

    private static async Task<string[]> OnlineAsync(SocketClient client, string room)
    {
        var ack = await client.EmitExpectingSuccessAsync("presence:list", new { roomId = room });
        return ack.GetProperty("userIds").EnumerateArray().Select(u => u.GetString()!).Order(StringComparer.Ordinal).ToArray();
    }
}
