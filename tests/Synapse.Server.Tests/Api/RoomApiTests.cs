using System.Text.Json;
using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Api;

public abstract class RoomApiTests(ServerFixture fixture)
{
    private SynapseServer Server => fixture.Server;

    [Fact]
    public async Task Create_returns_the_room_with_its_members()
    {
        var owner = await Server.RegisterAsync("owner");
        var member = await Server.RegisterAsync("member");

        var response = await Server.PostAsync("/api/rooms", new { name = "  Team  ", isPrivate = true, memberIds = new[] { member.Id, owner.Id } }, owner.AccessToken);

        Assert.Equal(201, response.Status);
        var room = response.Body;
        Assert.StartsWith("room_", room.GetProperty("id").GetString());
        Assert.Equal("Team", room.GetProperty("name").GetString());
        Assert.True(room.GetProperty("isPrivate").GetBoolean());
        Assert.False(room.GetProperty("isDirect").GetBoolean());
        Assert.Equal(owner.Id, room.GetProperty("ownerId").GetString());
        Assert.Equal(2, room.GetProperty("memberCount").GetInt32());
        Assert.True(room.GetProperty("isMember").GetBoolean());
        Assert.Equal(new[] { owner.Id, member.Id }.Order(), MemberIds(room).Order());
        Assert.Equal($"/api/rooms/{room.GetProperty("id").GetString()}", response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task Create_validates_its_input()
    {
        var owner = await Server.RegisterAsync("validator");

        (await Server.PostAsync("/api/rooms", new { name = "   ", isPrivate = false }, owner.AccessToken)).AssertError(400, "VALIDATION_ERROR");
        (await Server.PostAsync("/api/rooms", new { name = new string('x', 65), isPrivate = false }, owner.AccessToken)).AssertError(400, "VALIDATION_ERROR");
        (await Server.PostAsync("/api/rooms", new { name = "no flag" }, owner.AccessToken)).AssertError(400, "VALIDATION_ERROR");
        (await Server.PostAsync("/api/rooms", new { name = "bad id", isPrivate = false, memberIds = new[] { "x y" } }, owner.AccessToken)).AssertError(400, "VALIDATION_ERROR");
        (await Server.PostAsync("/api/rooms", new { name = "ghost", isPrivate = false, memberIds = new[] { "usr_00000000000000000000000000000000" } }, owner.AccessToken)).AssertError(404, "NOT_FOUND");
        (await Server.PostAsync("/api/rooms", new { name = "anon", isPrivate = false }, null)).AssertError(401, "UNAUTHENTICATED");
    }

    [Fact]
    public async Task List_shows_my_rooms_and_public_rooms_but_not_others_private_rooms()
    {
        var alice = await Server.RegisterAsync("alice");
        var bob = await Server.RegisterAsync("bob");
        var publicRoom = await Server.CreateRoomAsync(alice, isPrivate: false);
        var alicePrivate = await Server.CreateRoomAsync(alice, isPrivate: true);
        var shared = await Server.CreateRoomAsync(alice, isPrivate: true, bob);

        var list = await Server.GetAsync("/api/rooms", bob.AccessToken);

        Assert.Equal(200, list.Status);
        var rooms = list.Body.GetProperty("rooms").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.False(rooms[publicRoom].GetProperty("isMember").GetBoolean());
        Assert.True(rooms[shared].GetProperty("isMember").GetBoolean());
        Assert.False(rooms.ContainsKey(alicePrivate));
    }

    [Fact]
    public async Task Direct_room_is_created_once_for_a_pair()
    {
        var alice = await Server.RegisterAsync("dm_a");
        var bob = await Server.RegisterAsync("dm_b");

        var created = await Server.PostAsync("/api/rooms/direct", new { userId = bob.Id }, alice.AccessToken);
        var again = await Server.PostAsync("/api/rooms/direct", new { userId = bob.Id }, alice.AccessToken);
        var fromBob = await Server.PostAsync("/api/rooms/direct", new { userId = alice.Id }, bob.AccessToken);

        Assert.Equal(201, created.Status);
        Assert.Equal(200, again.Status);
        Assert.Equal(200, fromBob.Status);
        var id = created.Body.GetProperty("id").GetString();
        Assert.Equal(id, again.Body.GetProperty("id").GetString());
        Assert.Equal(id, fromBob.Body.GetProperty("id").GetString());
        Assert.True(created.Body.GetProperty("isDirect").GetBoolean());
        Assert.True(created.Body.GetProperty("isPrivate").GetBoolean());
        Assert.Equal(JsonValueKind.Null, created.Body.GetProperty("ownerId").ValueKind);
        Assert.Equal(new[] { alice.Id, bob.Id }.Order(), MemberIds(created.Body).Order());
    }

    [Fact]
    public async Task Concurrent_direct_room_requests_yield_one_room()
    {
        var alice = await Server.RegisterAsync("race_a");
        var bob = await Server.RegisterAsync("race_b");

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => i % 2 == 0
            ? Server.PostAsync("/api/rooms/direct", new { userId = bob.Id }, alice.AccessToken)
            : Server.PostAsync("/api/rooms/direct", new { userId = alice.Id }, bob.AccessToken)));

        Assert.Single(responses.Select(r => r.Body.GetProperty("id").GetString()).Distinct());
        Assert.Single(responses, r => r.Status == 201);
    }

    [Fact]
    public async Task Direct_room_validates_the_other_user()
    {
        var alice = await Server.RegisterAsync("dm_v");

        (await Server.PostAsync("/api/rooms/direct", new { userId = alice.Id }, alice.AccessToken)).AssertError(400, "VALIDATION_ERROR");
        (await Server.PostAsync("/api/rooms/direct", new { }, alice.AccessToken)).AssertError(400, "VALIDATION_ERROR");
        (await Server.PostAsync("/api/rooms/direct", new { userId = "usr_00000000000000000000000000000000" }, alice.AccessToken)).AssertError(404, "NOT_FOUND");
    }

    [Fact]
    public async Task A_private_room_is_readable_by_members_only()
    {
        var owner = await Server.RegisterAsync("priv_o");
        var outsider = await Server.RegisterAsync("priv_x");
        var room = await Server.CreateRoomAsync(owner, isPrivate: true);
        var open = await Server.CreateRoomAsync(owner, isPrivate: false);

        Assert.Equal(200, (await Server.GetAsync($"/api/rooms/{room}", owner.AccessToken)).Status);
        (await Server.GetAsync($"/api/rooms/{room}", outsider.AccessToken)).AssertError(403, "FORBIDDEN");
        (await Server.GetAsync($"/api/rooms/{room}/messages", outsider.AccessToken)).AssertError(403, "FORBIDDEN");
        Assert.Equal(200, (await Server.GetAsync($"/api/rooms/{open}", outsider.AccessToken)).Status);
        Assert.Equal(200, (await Server.GetAsync($"/api/rooms/{open}/messages", outsider.AccessToken)).Status);
        (await Server.GetAsync("/api/rooms/room_00000000000000000000000000000000", owner.AccessToken)).AssertError(404, "NOT_FOUND");
    }

    [Fact]
    public async Task The_owner_adds_members()
    {
        var owner = await Server.RegisterAsync("add_o");
        var member = await Server.RegisterAsync("add_m");
        var room = await Server.CreateRoomAsync(owner, isPrivate: true);

        var added = await Server.PostAsync($"/api/rooms/{room}/members", new { userId = member.Id }, owner.AccessToken);
        var again = await Server.PostAsync($"/api/rooms/{room}/members", new { userId = member.Id }, owner.AccessToken);

        Assert.Equal(201, added.Status);
        Assert.Equal(member.Id, added.Body.GetProperty("userId").GetString());
        Assert.Equal(member.UserName, added.Body.GetProperty("userName").GetString());
        again.AssertError(409, "CONFLICT");
        Assert.Equal(200, (await Server.GetAsync($"/api/rooms/{room}", member.AccessToken)).Status);
    }

    [Fact]
    public async Task Only_the_owner_adds_members_and_direct_rooms_are_fixed()
    {
        var owner = await Server.RegisterAsync("fix_o");
        var member = await Server.RegisterAsync("fix_m");
        var third = await Server.RegisterAsync("fix_t");
        var room = await Server.CreateRoomAsync(owner, isPrivate: false, member);
        var direct = (await Server.PostAsync("/api/rooms/direct", new { userId = member.Id }, owner.AccessToken)).Body.GetProperty("id").GetString();

        (await Server.PostAsync($"/api/rooms/{room}/members", new { userId = third.Id }, member.AccessToken)).AssertError(403, "FORBIDDEN");
        (await Server.PostAsync($"/api/rooms/{direct}/members", new { userId = third.Id }, owner.AccessToken)).AssertError(403, "FORBIDDEN");
        (await Server.DeleteAsync($"/api/rooms/{direct}/members/{member.Id}", owner.AccessToken)).AssertError(403, "FORBIDDEN");
        (await Server.PostAsync($"/api/rooms/{room}/members", new { userId = "usr_00000000000000000000000000000000" }, owner.AccessToken)).AssertError(404, "NOT_FOUND");
        (await Server.PostAsync("/api/rooms/room_00000000000000000000000000000000/members", new { userId = third.Id }, owner.AccessToken)).AssertError(404, "NOT_FOUND");
        (await Server.PostAsync($"/api/rooms/{room}/members", new { }, owner.AccessToken)).AssertError(400, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task Members_leave_and_the_owner_removes_but_cannot_leave()
    {
        var owner = await Server.RegisterAsync("rm_o");
        var leaver = await Server.RegisterAsync("rm_l");
        var removed = await Server.RegisterAsync("rm_r");
        var room = await Server.CreateRoomAsync(owner, isPrivate: true, leaver, removed);

        (await Server.DeleteAsync($"/api/rooms/{room}/members/{removed.Id}", leaver.AccessToken)).AssertError(403, "FORBIDDEN");
        Assert.Equal(204, (await Server.DeleteAsync($"/api/rooms/{room}/members/{leaver.Id}", leaver.AccessToken)).Status);
        Assert.Equal(204, (await Server.DeleteAsync($"/api/rooms/{room}/members/{removed.Id}", owner.AccessToken)).Status);
        (await Server.DeleteAsync($"/api/rooms/{room}/members/{owner.Id}", owner.AccessToken)).AssertError(409, "CONFLICT");
        (await Server.DeleteAsync($"/api/rooms/{room}/members/{removed.Id}", owner.AccessToken)).AssertError(404, "NOT_FOUND");
        (await Server.GetAsync($"/api/rooms/{room}", leaver.AccessToken)).AssertError(403, "FORBIDDEN");
        var details = await Server.GetAsync($"/api/rooms/{room}", owner.AccessToken);
        Assert.Equal([owner.Id], MemberIds(details.Body));
    }

    private static IEnumerable<string?> MemberIds(JsonElement room) =>
        room.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("userId").GetString());

    /// <summary>These tests on the default storage, SQLite.</summary>
    public sealed class OnSqlite(ServerFixture fixture) : RoomApiTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>These tests on PostgreSQL.</summary>
    [Collection(PostgresCollection.Name)]
    public sealed class OnPostgres(PostgresServerFixture fixture) : RoomApiTests(fixture), IClassFixture<PostgresServerFixture>;
}
