using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Realtime;

/// <summary>
/// "Nothing a client sends can make the server act for another user": identity comes from the
/// verified access token only, whatever ids and names a client puts in its handshake or payloads.
/// </summary>
public sealed class IdentityTests(ServerFixture fixture) : RealtimeTest(fixture)
{
    [Fact]
    public async Task Identity_fields_in_the_handshake_and_payloads_are_ignored()
    {
        var alice = await Server.RegisterAsync("alice");
        var bob = await Server.RegisterAsync("bob");
        var mallory = await Server.RegisterAsync("mallory");
        var room = await Server.CreateRoomAsync(alice, isPrivate: true, bob, mallory);
        var a = await ConnectAsync(alice);
        var b = await ConnectAsync(bob);

        // Mallory's own token, with Alice's id and name next to it in the handshake.
        var m = await Clients.ConnectAsync("mallory", mallory.AccessToken, new { auth = new { token = mallory.AccessToken, userId = alice.Id, userName = alice.UserName } });
        await JoinAsync(a, room);
        await JoinAsync(b, room);
        await JoinAsync(m, room);
        var impersonated = new { userId = alice.Id, userName = alice.UserName, fromUserId = alice.Id };

        var sent = await m.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "who am I?", impersonated.userId, impersonated.userName });
        var atBob = await b.WaitForEventAsync("message:new", Where("content", "who am I?"));
        foreach (var message in new[] { sent.GetProperty("message"), atBob })
        {
            Assert.Equal(mallory.Id, message.GetProperty("userId").GetString());
            Assert.Equal(mallory.UserName, message.GetProperty("userName").GetString());
        }

        var alicesMessage = await SendAsync(a, room, "mine");
        var alicesId = alicesMessage.GetProperty("id").GetString();
        await m.EmitExpectingErrorAsync("FORBIDDEN", "message:edit", new { messageId = alicesId, content = "edited by alice?", impersonated.userId });
        await m.EmitExpectingErrorAsync("FORBIDDEN", "message:delete", new { messageId = alicesId, impersonated.userId });

        await m.EmitExpectingSuccessAsync("message:react", new { messageId = alicesId, emoji = "👍", impersonated.userId });
        Assert.Equal(mallory.Id, (await b.WaitForEventAsync("message:reaction-added")).GetProperty("userId").GetString());

        await m.EmitExpectingSuccessAsync("typing:start", new { roomId = room, impersonated.userId, impersonated.userName });
        var typing = await b.WaitForEventAsync("user:typing");
        Assert.Equal(mallory.Id, typing.GetProperty("userId").GetString());
        Assert.Equal(mallory.UserName, typing.GetProperty("userName").GetString());

        var call = await m.EmitExpectingSuccessAsync("call:start", new { roomId = room, kind = "audio", impersonated.fromUserId, impersonated.userId });
        var incoming = await b.WaitForEventAsync("call-incoming");
        Assert.Equal(mallory.Id, incoming.GetProperty("fromUserId").GetString());
        Assert.Equal(mallory.UserName, incoming.GetProperty("fromUserName").GetString());

        // Only Mallory's own sockets are in her call: she cannot answer it in Alice's name.
        var callId = call.GetProperty("callId").GetString();
        await m.EmitExpectingErrorAsync("FORBIDDEN", "call:accept", new { callId, impersonated.userId });
        await m.EmitExpectingSuccessAsync("call:end", new { callId });

        var left = await m.EmitExpectingSuccessAsync("room:leave", new { roomId = room, impersonated.userId });
        Assert.Equal(room, left.GetProperty("roomId").GetString());
        Assert.Equal(mallory.Id, (await b.WaitForEventAsync("user:left-room")).GetProperty("userId").GetString());

        // Alice is still subscribed, and still the author of her message, unedited.
        await SendAsync(b, room, "still there, Alice?");
        await a.WaitForEventAsync("message:new", Where("content", "still there, Alice?"));
        var history = await Server.GetAsync($"/api/rooms/{room}/messages", alice.AccessToken);
        Assert.Contains(history.Body.GetProperty("messages").EnumerateArray(), msg =>
            msg.GetProperty("id").GetString() == alicesId && msg.GetProperty("content").GetString() == "mine" && msg.GetProperty("userId").GetString() == alice.Id);
        Assert.DoesNotContain(history.Body.GetProperty("messages").EnumerateArray(), msg =>
            msg.GetProperty("userId").GetString() == alice.Id && msg.GetProperty("content").GetString() == "who am I?");
    }

    [Fact]
    public async Task Identity_fields_in_REST_bodies_are_ignored()
    {
        var alice = await Server.RegisterAsync("alice");
        var mallory = await Server.RegisterAsync("mallory");

        var created = await Server.PostAsync("/api/rooms", new { name = "mine", isPrivate = true, ownerId = alice.Id, userId = alice.Id }, mallory.AccessToken);

        Assert.Equal(201, created.Status);
        Assert.Equal(mallory.Id, created.Body.GetProperty("ownerId").GetString());
        var member = Assert.Single(created.Body.GetProperty("members").EnumerateArray());
        Assert.Equal(mallory.Id, member.GetProperty("userId").GetString());
        var roomId = created.Body.GetProperty("id").GetString();
        Assert.Equal(403, (await Server.GetAsync($"/api/rooms/{roomId}", alice.AccessToken)).Status);

        // A direct room "between Alice and Bob" asked for by Mallory is Mallory's with Bob.
        var bob = await Server.RegisterAsync("bob");
        var direct = await Server.PostAsync("/api/rooms/direct", new { userId = bob.Id, fromUserId = alice.Id }, mallory.AccessToken);
        Assert.Equal(
            new[] { mallory.Id, bob.Id }.Order(StringComparer.Ordinal),
            direct.Body.GetProperty("members").EnumerateArray().Select(u => u.GetProperty("userId").GetString()!).Order(StringComparer.Ordinal));
    }
}
