using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Realtime;

public abstract class PrivateRoomTests(ServerFixture fixture) : RealtimeTestBase(fixture)
{
    [Fact]
    public async Task Private_rooms_refuse_outsiders()
    {
        var owner = await Server.RegisterAsync("owner");
        var outsider = await Server.RegisterAsync("outsider");
        var room = await Server.CreateRoomAsync(owner, isPrivate: true);
        var o = await ConnectAsync(owner);
        var x = await ConnectAsync(outsider);
        await JoinAsync(o, room);

        await x.EmitExpectingErrorAsync("FORBIDDEN", "room:join", new { roomId = room });
        await x.EmitExpectingErrorAsync("FORBIDDEN", "message:send", new { roomId = room, content = "let me in" });
        await x.EmitExpectingErrorAsync("FORBIDDEN", "typing:start", new { roomId = room });
        await x.EmitExpectingErrorAsync("FORBIDDEN", "presence:list", new { roomId = room });
        await x.EmitExpectingErrorAsync("FORBIDDEN", "call:start", new { roomId = room, kind = "audio" });
        await x.EmitExpectingErrorAsync("NOT_FOUND", "room:join", new { roomId = "room_00000000000000000000000000000000" });

        var message = await SendAsync(o, room, "members only");
        await x.EmitExpectingErrorAsync("FORBIDDEN", "message:react", new { messageId = message.GetProperty("id").GetString(), emoji = "👀" });
        await x.EmitExpectingErrorAsync("FORBIDDEN", "message:delete", new { messageId = message.GetProperty("id").GetString() });
        await x.SyncAsync();
        x.AssertNone("message:new");
        x.AssertNone("room:joined");
    }

    [Fact]
    public async Task A_removed_member_stops_receiving_the_rooms_events()
    {
        var owner = await Server.RegisterAsync("owner");
        var member = await Server.RegisterAsync("member");
        var room = await Server.CreateRoomAsync(owner, isPrivate: true, member);
        var o = await ConnectAsync(owner);
        var m = await ConnectAsync(member);
        await JoinAsync(o, room);
        await JoinAsync(m, room);

        Assert.Equal(204, (await Server.DeleteAsync($"/api/rooms/{room}/members/{member.Id}", owner.AccessToken)).Status);
        var left = await o.WaitForEventAsync("user:left-room");
        Assert.Equal(member.Id, left.GetProperty("userId").GetString());

        await SendAsync(o, room, "after the removal");
        await m.SyncAsync();
        m.AssertNone("message:new");
        await m.EmitExpectingErrorAsync("FORBIDDEN", "room:join", new { roomId = room });
        await m.EmitExpectingErrorAsync("FORBIDDEN", "typing:start", new { roomId = room });
    }

    /// <summary>These tests on the default storage, SQLite.</summary>
    public sealed class OnSqlite(ServerFixture fixture) : PrivateRoomTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>These tests on PostgreSQL.</summary>
    [Collection(PostgresCollection.Name)]
    public sealed class OnPostgres(PostgresServerFixture fixture) : PrivateRoomTests(fixture), IClassFixture<PostgresServerFixture>;
}
