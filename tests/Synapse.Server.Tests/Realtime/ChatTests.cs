using System.Text.Json;
using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Realtime;

public abstract class ChatTests(ServerFixture fixture) : RealtimeTestBase(fixture)
{
    [Fact]
    public async Task Two_users_chat_in_a_room()
    {
        var alice = await Server.RegisterAsync("alice");
        var bob = await Server.RegisterAsync("bob");
        var room = await Server.CreateRoomAsync(alice, isPrivate: false);
        var a = await ConnectAsync(alice);
        var b = await ConnectAsync(bob);

        var aliceJoin = await a.EmitExpectingSuccessAsync("room:join", new { roomId = room });
        Assert.Equal(room, aliceJoin.GetProperty("roomId").GetString());
        var aliceJoined = await a.WaitForEventAsync("room:joined");
        Assert.Equal(room, aliceJoined.GetProperty("roomId").GetString());
        var onlyAlice = Assert.Single(aliceJoined.GetProperty("members").EnumerateArray());
        Assert.Equal(alice.Id, onlyAlice.GetProperty("userId").GetString());
        Assert.Equal(alice.UserName, onlyAlice.GetProperty("userName").GetString());
        Assert.True(onlyAlice.GetProperty("online").GetBoolean());

        // Joining a public room makes Bob a member; Alice hears about it, Bob does not hear about himself.
        var bobJoin = await JoinAsync(b, room);
        var members = bobJoin.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("userId").GetString()!);
        Assert.True(members[alice.Id].GetProperty("online").GetBoolean());
        Assert.True(members[bob.Id].GetProperty("online").GetBoolean());
        var joined = await a.WaitForEventAsync("user:joined-room");
        Assert.Equal(bob.Id, joined.GetProperty("userId").GetString());
        Assert.Equal(bob.UserName, joined.GetProperty("userName").GetString());
        Assert.Equal(room, joined.GetProperty("roomId").GetString());

        var sent = await SendAsync(a, room, "  Hello Bob  ", clientMessageId: "c-1");
        Assert.Equal("Hello Bob", sent.GetProperty("content").GetString());
        Assert.Equal("c-1", sent.GetProperty("clientMessageId").GetString());
        var atBob = await b.WaitForEventAsync("message:new");
        var atAlice = await a.WaitForEventAsync("message:new");
        Assert.Equal(sent.ToString(), atBob.ToString());
        Assert.Equal(sent.ToString(), atAlice.ToString());
        Assert.Equal(alice.Id, atBob.GetProperty("userId").GetString());
        Assert.Equal(alice.UserName, atBob.GetProperty("userName").GetString());

        var reply = await SendAsync(b, room, "Hi Alice", replyToId: sent.GetProperty("id").GetString());
        var replyAtAlice = await a.WaitForEventAsync("message:new");
        Assert.Equal(reply.GetProperty("id").GetString(), replyAtAlice.GetProperty("id").GetString());
        Assert.Equal(sent.GetProperty("id").GetString(), replyAtAlice.GetProperty("replyToId").GetString());

        await b.SyncAsync();
        b.AssertNone("user:joined-room");
    }

    [Fact]
    public async Task Edits_deletes_and_reactions_reach_the_others_and_are_refused_to_non_authors()
    {
        var (alice, bob, room, a, b) = await TwoMembersAsync();
        var message = await SendAsync(a, room, "first draft");
        var id = message.GetProperty("id").GetString()!;
        await b.WaitForEventAsync("message:new");

        await b.EmitExpectingErrorAsync("FORBIDDEN", "message:edit", new { messageId = id, content = "hijacked" });
        var edited = await a.EmitExpectingSuccessAsync("message:edit", new { messageId = id, content = "final text" });
        Assert.Equal("final text", edited.GetProperty("message").GetProperty("content").GetString());
        var updated = await b.WaitForEventAsync("message:updated");
        Assert.Equal(id, updated.GetProperty("messageId").GetString());
        Assert.Equal("final text", updated.GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.String, updated.GetProperty("editedAt").ValueKind);

        var added = await b.EmitExpectingSuccessAsync("message:react", new { messageId = id, emoji = "👍" });
        Assert.True(added.GetProperty("added").GetBoolean());
        var reactionAdded = await a.WaitForEventAsync("message:reaction-added");
        Assert.Equal(id, reactionAdded.GetProperty("messageId").GetString());
        Assert.Equal("👍", reactionAdded.GetProperty("emoji").GetString());
        Assert.Equal(bob.Id, reactionAdded.GetProperty("userId").GetString());
        var removed = await b.EmitExpectingSuccessAsync("message:react", new { messageId = id, emoji = "👍" });
        Assert.False(removed.GetProperty("added").GetBoolean());
        var reactionRemoved = await a.WaitForEventAsync("message:reaction-removed");
        Assert.Equal(bob.Id, reactionRemoved.GetProperty("userId").GetString());

        await b.EmitExpectingErrorAsync("FORBIDDEN", "message:delete", new { messageId = id });
        var deleted = await a.EmitExpectingSuccessAsync("message:delete", new { messageId = id });
        Assert.Equal(id, deleted.GetProperty("messageId").GetString());
        var deletedEvent = await b.WaitForEventAsync("message:deleted");
        Assert.Equal(JsonValueKind.String, deletedEvent.ValueKind);
        Assert.Equal(id, deletedEvent.GetString());

        await a.EmitExpectingErrorAsync("NOT_FOUND", "message:edit", new { messageId = id, content = "too late" });
        await b.EmitExpectingErrorAsync("NOT_FOUND", "message:react", new { messageId = id, emoji = "👍" });

        // The room's owner may delete anyone's message.
        var bobs = await SendAsync(b, room, "moderate me");
        await a.EmitExpectingSuccessAsync("message:delete", new { messageId = bobs.GetProperty("id").GetString() });
        await b.WaitForEventAsync("message:deleted", p => p.GetString() == bobs.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Retries_with_the_same_clientMessageId_store_one_message()
    {
        var (alice, bob, room, a, b) = await TwoMembersAsync();
        var secondTab = await ConnectAsync(alice, "alice-tab-2");

        var first = await SendAsync(a, room, "exactly once", clientMessageId: "retry-1");
        var retry = await a.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "exactly once", clientMessageId = "retry-1" });
        var fromOtherTab = await secondTab.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "exactly once", clientMessageId = "retry-1" });

        Assert.Equal(first.GetProperty("id").GetString(), retry.GetProperty("message").GetProperty("id").GetString());
        Assert.True(retry.GetProperty("duplicate").GetBoolean());
        Assert.Equal(first.GetProperty("id").GetString(), fromOtherTab.GetProperty("message").GetProperty("id").GetString());

        await b.WaitForEventAsync("message:new", Where("clientMessageId", "retry-1"));
        await b.SyncAsync();
        b.AssertNone("message:new");

        var history = await Server.GetAsync($"/api/rooms/{room}/messages", bob.AccessToken);
        Assert.Single(history.Body.GetProperty("messages").EnumerateArray());
    }

    [Fact]
    public async Task Concurrent_retries_from_two_tabs_store_one_message()
    {
        var (alice, _, room, a, b) = await TwoMembersAsync();
        var secondTab = await ConnectAsync(alice, "alice-tab-2");

        var acks = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            (i % 2 == 0 ? a : secondTab).EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "race", clientMessageId = "race-1" })));

        Assert.Single(acks.Select(ack => ack.GetProperty("message").GetProperty("id").GetString()).Distinct());
        await b.WaitForEventAsync("message:new");
        await b.SyncAsync();
        b.AssertNone("message:new");
    }

    [Fact]
    public async Task Invalid_messages_are_refused()
    {
        var (_, _, room, a, _) = await TwoMembersAsync();
        var outsider = await Server.RegisterAsync("outsider");
        var o = await ConnectAsync(outsider);

        await a.EmitExpectingErrorAsync("VALIDATION_ERROR", "message:send", new { roomId = room, content = "   " });
        await a.EmitExpectingErrorAsync("VALIDATION_ERROR", "message:send", new { roomId = room, content = new string('x', 4001) });
        await a.EmitExpectingErrorAsync("VALIDATION_ERROR", "message:send", new { roomId = room });
        await a.EmitExpectingErrorAsync("VALIDATION_ERROR", "message:send", new { content = "where?" });
        await a.EmitExpectingErrorAsync("VALIDATION_ERROR", "message:send", new { roomId = room, content = "bell\u0007" });
        await a.EmitExpectingErrorAsync("VALIDATION_ERROR", "message:send", new { roomId = room, content = "x", clientMessageId = new string('c', 101) });
        await a.EmitExpectingErrorAsync("NOT_FOUND", "message:send", new { roomId = room, content = "x", replyToId = "msg_00000000000000000000000000000000" });
        await a.EmitExpectingErrorAsync("NOT_FOUND", "message:send", new { roomId = "room_00000000000000000000000000000000", content = "x" });
        await o.EmitExpectingErrorAsync("FORBIDDEN", "message:send", new { roomId = room, content = "not a member" });
        var longest = await SendAsync(a, room, new string('y', 4000));
        Assert.Equal(4000, longest.GetProperty("content").GetString()!.Length);
    }

    [Fact]
    public async Task Leaving_a_room_stops_its_events()
    {
        var (_, bob, room, a, b) = await TwoMembersAsync();

        var left = await b.EmitExpectingSuccessAsync("room:leave", new { roomId = room });
        Assert.Equal(room, left.GetProperty("roomId").GetString());
        var leftEvent = await a.WaitForEventAsync("user:left-room");
        Assert.Equal(bob.Id, leftEvent.GetProperty("userId").GetString());
        Assert.Equal(bob.UserName, leftEvent.GetProperty("userName").GetString());
        Assert.Equal(room, leftEvent.GetProperty("roomId").GetString());

        await SendAsync(a, room, "bob is gone");
        await b.SyncAsync();
        b.AssertNone("message:new");
    }

    [Fact]
    public async Task A_reconnecting_client_catches_up_with_after()
    {
        var (_, bob, room, a, b) = await TwoMembersAsync();
        await SendAsync(a, room, "m1");
        var lastSeen = await SendAsync(a, room, "m2");
        await b.WaitForEventAsync("message:new", Where("content", "m2"));
        await b.DisconnectAsync();

        foreach (var text in new[] { "m3", "m4", "m5" })
        {
            await SendAsync(a, room, text);
        }

        var missed = await Server.GetAsync($"/api/rooms/{room}/messages?after={lastSeen.GetProperty("id").GetString()}", bob.AccessToken);
        Assert.Equal(["m3", "m4", "m5"], missed.Body.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
        var newest = await Server.GetAsync($"/api/rooms/{room}/messages?limit=2", bob.AccessToken);
        Assert.Equal(["m5", "m4"], newest.Body.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
    }

    private async Task<(TestUser Alice, TestUser Bob, string Room, SocketClient A, SocketClient B)> TwoMembersAsync()
    {
        var alice = await Server.RegisterAsync("alice");
        var bob = await Server.RegisterAsync("bob");
        var room = await Server.CreateRoomAsync(alice, isPrivate: true, bob);
        var a = await ConnectAsync(alice);
        var b = await ConnectAsync(bob);
        await JoinAsync(a, room);
        await JoinAsync(b, room);
        await a.WaitForEventAsync("user:joined-room");
        return (alice, bob, room, a, b);
    }

    /// <summary>These tests on the default storage, SQLite.</summary>
    public sealed class OnSqlite(ServerFixture fixture) : ChatTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>These tests on PostgreSQL.</summary>
    [Collection(PostgresCollection.Name)]
    public sealed class OnPostgres(PostgresServerFixture fixture) : ChatTests(fixture), IClassFixture<PostgresServerFixture>;
}
