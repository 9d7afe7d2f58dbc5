using System.Text.Json;
using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Realtime;

public sealed class CallTests(ServerFixture fixture) : RealtimeTest(fixture)
{
    [Fact]
    public async Task Call_signaling_between_two_users()
    {
        var (alice, bob, room, a, b) = await DirectRoomAsync();

        var started = await a.EmitExpectingSuccessAsync("call:start", new { roomId = room, kind = "video" });
        var callId = started.GetProperty("callId").GetString();
        var incoming = await b.WaitForEventAsync("call-incoming");
        Assert.Equal(callId, incoming.GetProperty("callId").GetString());
        Assert.Equal(room, incoming.GetProperty("roomId").GetString());
        Assert.Equal("video", incoming.GetProperty("kind").GetString());
        Assert.Equal(alice.Id, incoming.GetProperty("fromUserId").GetString());
        Assert.Equal(alice.UserName, incoming.GetProperty("fromUserName").GetString());

        // Before Bob accepts, he is not a participant: no signaling yet.
        await a.EmitExpectingErrorAsync("FORBIDDEN", "call:signal", new { callId, toUserId = bob.Id, signal = new { type = "offer", sdp = "v=0" } });

        var accepted = await b.EmitExpectingSuccessAsync("call:accept", new { callId });
        Assert.Equal(new[] { alice.Id, bob.Id }.Order(StringComparer.Ordinal), accepted.GetProperty("participantIds").EnumerateArray().Select(p => p.GetString()!).Order(StringComparer.Ordinal));
        var acceptedEvent = await a.WaitForEventAsync("call:accepted");
        Assert.Equal(callId, acceptedEvent.GetProperty("callId").GetString());
        Assert.Equal(bob.Id, acceptedEvent.GetProperty("userId").GetString());

        var offer = new { type = "offer", sdp = "v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\n" };
        await a.EmitExpectingSuccessAsync("call:signal", new { callId, toUserId = bob.Id, signal = offer });
        var relayed = await b.WaitForEventAsync("call:signal");
        Assert.Equal(callId, relayed.GetProperty("callId").GetString());
        Assert.Equal(alice.Id, relayed.GetProperty("fromUserId").GetString());
        Assert.Equal(JsonSerializer.Serialize(offer), relayed.GetProperty("signal").GetRawText());

        var candidate = new { candidate = "candidate:1 1 udp 2122260223 127.0.0.1 54400 typ host", sdpMid = "0", sdpMLineIndex = 0 };
        await b.EmitExpectingSuccessAsync("call:signal", new { callId, toUserId = alice.Id, signal = candidate });
        var ice = await a.WaitForEventAsync("call:signal");
        Assert.Equal(bob.Id, ice.GetProperty("fromUserId").GetString());
        Assert.Equal(0, ice.GetProperty("signal").GetProperty("sdpMLineIndex").GetInt32());

        await a.EmitExpectingSuccessAsync("call:end", new { callId });
        foreach (var client in new[] { a, b })
        {
            var ended = await client.WaitForEventAsync("call:ended");
            Assert.Equal(callId, ended.GetProperty("callId").GetString());
            Assert.Equal(alice.Id, ended.GetProperty("endedBy").GetString());
            Assert.Equal("ended", ended.GetProperty("reason").GetString());
        }

        await b.EmitExpectingErrorAsync("NOT_FOUND", "call:signal", new { callId, toUserId = alice.Id, signal = candidate });
        var notifications = await Server.GetAsync("/api/notifications", bob.AccessToken);
        Assert.DoesNotContain(notifications.Body.GetProperty("notifications").EnumerateArray(), n => n.GetProperty("type").GetString() == "missed_call");
    }

    [Fact]
    public async Task Signals_are_relayed_only_between_participants()
    {
        var alice = await Server.RegisterAsync("alice");
        var bob = await Server.RegisterAsync("bob");
        var carol = await Server.RegisterAsync("carol");
        var room = await Server.CreateRoomAsync(alice, isPrivate: true, bob);
        var a = await ConnectAsync(alice);
        var b = await ConnectAsync(bob);
        var c = await ConnectAsync(carol);
        var callId = (await a.EmitExpectingSuccessAsync("call:start", new { roomId = room, kind = "audio" })).GetProperty("callId").GetString();
        await b.EmitExpectingSuccessAsync("call:accept", new { callId });

        await c.EmitExpectingErrorAsync("FORBIDDEN", "call:accept", new { callId });
        await c.EmitExpectingErrorAsync("FORBIDDEN", "call:signal", new { callId, toUserId = bob.Id, signal = new { type = "offer" } });
        await c.EmitExpectingErrorAsync("FORBIDDEN", "call:end", new { callId });
        await a.EmitExpectingErrorAsync("FORBIDDEN", "call:signal", new { callId, toUserId = carol.Id, signal = new { type = "offer" } });
        await a.EmitExpectingErrorAsync("FORBIDDEN", "call:signal", new { callId, toUserId = alice.Id, signal = new { type = "offer" } });
        await a.EmitExpectingErrorAsync("VALIDATION_ERROR", "call:signal", new { callId, toUserId = bob.Id, signal = 42 });
        await a.EmitExpectingErrorAsync("VALIDATION_ERROR", "call:signal", new { callId, toUserId = bob.Id, signal = new string('s', 70_000) });

        await c.SyncAsync();
        c.AssertNone("call-incoming");
        c.AssertNone("call:signal");
        await b.SyncAsync();
        b.AssertNone("call:signal");
    }

    [Fact]
    public async Task Call_start_is_validated()
    {
        var (_, _, room, a, _) = await DirectRoomAsync();
        var lonely = await Server.CreateRoomAsync(await Server.RegisterAsync("solo"), isPrivate: false);

        await a.EmitExpectingErrorAsync("VALIDATION_ERROR", "call:start", new { roomId = room, kind = "hologram" });
        await a.EmitExpectingErrorAsync("VALIDATION_ERROR", "call:start", new { roomId = room });
        await a.EmitExpectingErrorAsync("NOT_FOUND", "call:start", new { roomId = "room_00000000000000000000000000000000", kind = "audio" });
        await a.EmitExpectingErrorAsync("FORBIDDEN", "call:start", new { roomId = lonely, kind = "audio" });
        await a.EmitExpectingErrorAsync("NOT_FOUND", "call:accept", new { callId = "call_00000000000000000000000000000000" });
    }

    [Fact]
    public async Task An_unanswered_call_becomes_a_missed_call_notification()
    {
        var (alice, bob, room, a, b) = await DirectRoomAsync();
        var callId = (await a.EmitExpectingSuccessAsync("call:start", new { roomId = room, kind = "audio" })).GetProperty("callId").GetString();
        await b.WaitForEventAsync("call-incoming");

        await a.EmitExpectingSuccessAsync("call:end", new { callId });

        Assert.Equal("ended", (await b.WaitForEventAsync("call:ended")).GetProperty("reason").GetString());
        var notification = await b.WaitForEventAsync("notification", Where("type", "missed_call"));
        Assert.Equal(room, notification.GetProperty("roomId").GetString());
        var stored = await Server.GetAsync("/api/notifications", bob.AccessToken);
        Assert.Contains(stored.Body.GetProperty("notifications").EnumerateArray(), n => n.GetProperty("type").GetString() == "missed_call");
        await a.SyncAsync();
        a.AssertNone("notification", Where("type", "missed_call"));
    }

    [Fact]
    public async Task Declining_a_one_to_one_call_ends_it_without_a_missed_call()
    {
        var (alice, bob, room, a, b) = await DirectRoomAsync();
        var callId = (await a.EmitExpectingSuccessAsync("call:start", new { roomId = room, kind = "audio" })).GetProperty("callId").GetString();
        await b.WaitForEventAsync("call-incoming");

        await b.EmitExpectingSuccessAsync("call:reject", new { callId });

        var rejected = await a.WaitForEventAsync("call:rejected");
        Assert.Equal(bob.Id, rejected.GetProperty("userId").GetString());
        var ended = await a.WaitForEventAsync("call:ended");
        Assert.Equal("rejected", ended.GetProperty("reason").GetString());
        await b.WaitForEventAsync("call:ended");
        await b.SyncAsync();
        b.AssertNone("notification", Where("type", "missed_call"));
    }

    [Fact]
    public async Task A_caller_who_disconnects_ends_the_call()
    {
        var (alice, _, room, a, b) = await DirectRoomAsync();
        var callId = (await a.EmitExpectingSuccessAsync("call:start", new { roomId = room, kind = "video" })).GetProperty("callId").GetString();
        await b.WaitForEventAsync("call-incoming");

        await a.DisconnectAsync();

        var ended = await b.WaitForEventAsync("call:ended");
        Assert.Equal(callId, ended.GetProperty("callId").GetString());
        Assert.Equal("disconnected", ended.GetProperty("reason").GetString());
        await b.WaitForEventAsync("notification", Where("type", "missed_call"));
    }

    private async Task<(TestUser Alice, TestUser Bob, string Room, SocketClient A, SocketClient B)> DirectRoomAsync()
    {
        var alice = await Server.RegisterAsync("alice");
        var bob = await Server.RegisterAsync("bob");
        var room = (await Server.PostAsync("/api/rooms/direct", new { userId = bob.Id }, alice.AccessToken)).Body.GetProperty("id").GetString()!;
        var a = await ConnectAsync(alice);
        var b = await ConnectAsync(bob);
        return (alice, bob, room, a, b);
    }
}
