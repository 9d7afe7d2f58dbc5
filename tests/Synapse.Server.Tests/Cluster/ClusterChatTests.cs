using System.Text.Json;
using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Cluster;

/// <summary>Users on different nodes of one cluster chat, type, react, call and see each other as one server would show them.</summary>
public sealed class ClusterChatTests(SynapseCluster cluster) : ClusterTest(cluster)
{
    [Fact]
    public async Task Users_on_different_nodes_chat_type_react_and_see_each_other()
    {
        var alice = await A.RegisterAsync("alice");
        var bob = await B.RegisterAsync("bob");
        var room = await A.CreateRoomAsync(alice, isPrivate: true, bob);

        var a = await ConnectAsync(A.BaseUri, alice, "alice");
        await JoinAsync(a, room);
        var b = await ConnectAsync(B.BaseUri, bob, "bob");
        var online = await a.WaitForEventAsync("user:online");
        Assert.Equal(bob.Id, online.GetProperty("userId").GetString());
        Assert.Equal(bob.UserName, online.GetProperty("userName").GetString());
        await JoinAsync(b, room);
        await a.WaitForEventAsync("user:joined-room", User(bob));
        Assert.Equal(new[] { alice.Id, bob.Id }.Order(StringComparer.Ordinal), await OnlineAsync(b, room));

        var sent = await a.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "hello from A" });
        var id = sent.GetProperty("message").GetProperty("id").GetString();
        var received = await b.WaitForEventAsync("message:new");
        Assert.Equal(id, received.GetProperty("id").GetString());
        Assert.Equal("hello from A", received.GetProperty("content").GetString());

        await b.EmitExpectingSuccessAsync("typing:start", new { roomId = room });
        Assert.Equal(room, (await a.WaitForEventAsync("user:typing", User(bob))).GetProperty("roomId").GetString());
        await b.EmitExpectingSuccessAsync("typing:stop", new { roomId = room });
        await a.WaitForEventAsync("user:stop-typing", User(bob));

        await b.EmitExpectingSuccessAsync("message:react", new { messageId = id, emoji = "👍" });
        var reaction = await a.WaitForEventAsync("message:reaction-added");
        Assert.Equal(id, reaction.GetProperty("messageId").GetString());
        Assert.Equal(bob.Id, reaction.GetProperty("userId").GetString());

        await b.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "hello from B" });
        await a.WaitForEventAsync("message:new", p => p.GetProperty("content").GetString() == "hello from B");
        var history = await A.GetAsync($"/api/rooms/{room}/messages", alice.AccessToken);
        Assert.Equal(["hello from B", "hello from A"], history.Body.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()));

        await b.DisconnectAsync();
        await a.WaitForEventAsync("user:offline", User(bob));
        Assert.Equal([alice.Id], await OnlineAsync(a, room));
    }

    [Fact]
    public async Task A_user_with_tabs_on_both_nodes_is_online_once()
    {
        var alice = await A.RegisterAsync("alice");
        var bob = await A.RegisterAsync("bob");
        var room = await A.CreateRoomAsync(bob, isPrivate: true, alice);
        var b = await ConnectAsync(A.BaseUri, bob, "bob");
        await JoinAsync(b, room);

        var tabOnA = await ConnectAsync(A.BaseUri, alice, "alice-a");
        await b.WaitForEventAsync("user:online", User(alice));
        var tabOnB = await ConnectAsync(B.BaseUri, alice, "alice-b");
        await tabOnB.SyncAsync();
        Assert.Equal(new[] { alice.Id, bob.Id }.Order(StringComparer.Ordinal), await OnlineAsync(tabOnB, room));

        await tabOnA.DisconnectAsync();
        Assert.Equal(new[] { alice.Id, bob.Id }.Order(StringComparer.Ordinal), await OnlineAsync(b, room));

        await tabOnB.DisconnectAsync();
        await b.WaitForEventAsync("user:offline", User(alice));
        Assert.Equal([bob.Id], await OnlineAsync(b, room));

        // Only now, after the offline: no second online came from the tab on the other node.
        await b.SyncAsync();
        b.AssertNone("user:online");
        b.AssertNone("user:offline");
    }

    [Fact]
    public async Task Joining_and_leaving_with_tabs_on_both_nodes_is_announced_once()
    {
        var alice = await A.RegisterAsync("alice");
        var bob = await A.RegisterAsync("bob");
        var room = await A.CreateRoomAsync(bob, isPrivate: false);
        var b = await ConnectAsync(A.BaseUri, bob, "bob");
        await JoinAsync(b, room);
        var tabOnA = await ConnectAsync(A.BaseUri, alice, "alice-a");
        var tabOnB = await ConnectAsync(B.BaseUri, alice, "alice-b");

        await JoinAsync(tabOnB, room);
        await b.WaitForEventAsync("user:joined-room", User(alice));
        await JoinAsync(tabOnA, room);
        await tabOnB.EmitExpectingSuccessAsync("room:leave", new { roomId = room });
        await b.SyncAsync();
        b.AssertNone("user:joined-room");
        b.AssertNone("user:left-room");

        await tabOnA.EmitExpectingSuccessAsync("room:leave", new { roomId = room });
        await b.WaitForEventAsync("user:left-room", User(alice));
    }

    [Fact]
    public async Task A_call_between_users_on_different_nodes()
    {
        var alice = await A.RegisterAsync("alice");
        var bob = await B.RegisterAsync("bob");
        var room = await A.CreateRoomAsync(alice, isPrivate: true, bob);
        var a = await ConnectAsync(A.BaseUri, alice, "alice");
        var b = await ConnectAsync(B.BaseUri, bob, "bob");

        var callId = (await a.EmitExpectingSuccessAsync("call:start", new { roomId = room, kind = "video" })).GetProperty("callId").GetString();
        var incoming = await b.WaitForEventAsync("call-incoming");
        Assert.Equal(callId, incoming.GetProperty("callId").GetString());
        Assert.Equal(alice.Id, incoming.GetProperty("fromUserId").GetString());

        // Bob's node never saw the call start: it finds it in Redis.
        await a.EmitExpectingErrorAsync("FORBIDDEN", "call:signal", new { callId, toUserId = bob.Id, signal = new { type = "offer" } });
        var accepted = await b.EmitExpectingSuccessAsync("call:accept", new { callId });
        Assert.Equal(new[] { alice.Id, bob.Id }.Order(StringComparer.Ordinal), accepted.GetProperty("participantIds").EnumerateArray().Select(p => p.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(bob.Id, (await a.WaitForEventAsync("call:accepted")).GetProperty("userId").GetString());

        var offer = new { type = "offer", sdp = "v=0\r\n" };
        await a.EmitExpectingSuccessAsync("call:signal", new { callId, toUserId = bob.Id, signal = offer });
        var relayed = await b.WaitForEventAsync("call:signal");
        Assert.Equal(alice.Id, relayed.GetProperty("fromUserId").GetString());
        Assert.Equal(JsonSerializer.Serialize(offer), relayed.GetProperty("signal").GetRawText());
        await b.EmitExpectingSuccessAsync("call:signal", new { callId, toUserId = alice.Id, signal = new { type = "answer", sdp = "v=0\r\n" } });
        Assert.Equal(bob.Id, (await a.WaitForEventAsync("call:signal")).GetProperty("fromUserId").GetString());

        await b.EmitExpectingSuccessAsync("call:end", new { callId });
        foreach (var client in new[] { a, b })
        {
            var ended = await client.WaitForEventAsync("call:ended");
            Assert.Equal(callId, ended.GetProperty("callId").GetString());
            Assert.Equal(bob.Id, ended.GetProperty("endedBy").GetString());
        }

        await a.EmitExpectingErrorAsync("NOT_FOUND", "call:signal", new { callId, toUserId = bob.Id, signal = offer });
    }

    [Fact]
    public async Task An_unanswered_call_across_nodes_is_a_missed_call_and_ends_when_the_caller_leaves()
    {
        var alice = await A.RegisterAsync("alice");
        var bob = await B.RegisterAsync("bob");
        var room = await A.CreateRoomAsync(alice, isPrivate: true, bob);
        var a = await ConnectAsync(A.BaseUri, alice, "alice");
        var b = await ConnectAsync(B.BaseUri, bob, "bob");

        var callId = (await a.EmitExpectingSuccessAsync("call:start", new { roomId = room, kind = "audio" })).GetProperty("callId").GetString();
        await b.WaitForEventAsync("call-incoming");
        await a.DisconnectAsync();

        var ended = await b.WaitForEventAsync("call:ended");
        Assert.Equal(callId, ended.GetProperty("callId").GetString());
        Assert.Equal("disconnected", ended.GetProperty("reason").GetString());
        var missed = await b.WaitForEventAsync("notification", p => p.GetProperty("type").GetString() == "missed_call");
        Assert.Equal(room, missed.GetProperty("roomId").GetString());
    }

    [Fact]
    public async Task Rate_limits_hold_per_user_across_nodes()
    {
        var limited = new Dictionary<string, string>
        {
            ["Synapse:RateLimits:Messages:PermitLimit"] = "4",
            ["Synapse:RateLimits:Messages:Window"] = "00:01:00",
        };
        var c = await Cluster.StartNodeAsync(limited);
        var d = await Cluster.StartNodeAsync(limited);
        var alice = await c.RegisterAsync("alice");
        var room = await c.CreateRoomAsync(alice, isPrivate: false);
        var onC = await ConnectAsync(c.BaseUri, alice, "alice-c");
        var onD = await ConnectAsync(d.BaseUri, alice, "alice-d");

        for (var i = 0; i < 2; i++)
        {
            await onC.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = $"c{i}" });
            await onD.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = $"d{i}" });
        }

        // Each node let two through; together they are at the limit of four.
        var refused = await onC.EmitExpectingErrorAsync("RATE_LIMITED", "message:send", new { roomId = room, content = "c-too-many" });
        Assert.Contains("slow down", refused.GetProperty("error").GetProperty("message").GetString());
        await onD.EmitExpectingErrorAsync("RATE_LIMITED", "message:send", new { roomId = room, content = "d-too-many" });

        // Another user has their own allowance.
        var bob = await c.RegisterAsync("bob");
        var bobOnD = await ConnectAsync(d.BaseUri, bob, "bob-d");
        await JoinAsync(bobOnD, room);
        await bobOnD.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "bob's first" });
    }
}
