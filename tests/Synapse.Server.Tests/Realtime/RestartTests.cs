using System.Text.Json;
using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Realtime;

public sealed class RestartTests
{
    [Fact]
    public async Task Restarting_on_the_same_data_folder_keeps_users_rooms_messages_and_reactions()
    {
        var dataDirectory = SynapseServer.NewDataDirectory();
        try
        {
            TestUser admin, alice, bob;
            string room, direct, firstId, replyId, bobToken;

            await using (var first = await SynapseServer.StartAsync(dataDirectory))
            {
                admin = await first.RegisterAsync("admin");
                alice = await first.RegisterAsync("alice", displayName: "Alice");
                bob = await first.RegisterAsync("bob");
                room = await first.CreateRoomAsync(alice, isPrivate: true, bob);
                direct = (await first.PostAsync("/api/rooms/direct", new { userId = bob.Id }, alice.AccessToken)).Body.GetProperty("id").GetString()!;

                await using var clients = SocketClients.Start(first.BaseUri);
                var a = await clients.ConnectAsync("a", alice.AccessToken);
                var b = await clients.ConnectAsync("b", bob.AccessToken);
                await a.EmitExpectingSuccessAsync("room:join", new { roomId = room });
                await b.EmitExpectingSuccessAsync("room:join", new { roomId = room });
                var sent = await a.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = $"draft for @{bob.UserName}", clientMessageId = "keep-1" });
                firstId = sent.GetProperty("message").GetProperty("id").GetString()!;
                await a.EmitExpectingSuccessAsync("message:edit", new { messageId = firstId, content = $"hello @{bob.UserName}" });
                var reply = await b.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "hi!", replyToId = firstId });
                replyId = reply.GetProperty("message").GetProperty("id").GetString()!;
                await b.EmitExpectingSuccessAsync("message:react", new { messageId = firstId, emoji = "🎉" });
                await a.EmitExpectingSuccessAsync("message:react", new { messageId = firstId, emoji = "🎉" });
                await a.EmitExpectingSuccessAsync("message:send", new { roomId = direct, content = "just us" });

                // Mention notifications are stored right after the broadcast: wait for them before stopping.
                await b.WaitForEventAsync("notification", p => p.GetProperty("type").GetString() == "mention");
                bobToken = bob.RefreshToken;
            }

            await using var second = await SynapseServer.StartAsync(dataDirectory);

            // Users: the password still works, the access token issued before the restart too (same key).
            var login = await second.PostAsync("/api/auth/login", new { userName = alice.UserName, password = alice.Password });
            Assert.Equal(200, login.Status);
            Assert.Equal(alice.Id, login.Body.GetProperty("user").GetProperty("id").GetString());
            Assert.Equal(200, (await second.GetAsync("/api/users/me", alice.AccessToken)).Status);
            Assert.Equal(200, (await second.PostAsync("/api/auth/refresh", new { refreshToken = bobToken })).Status);
            Assert.True((await second.GetAsync("/api/users/me", admin.AccessToken)).Body.GetProperty("isAdmin").GetBoolean());
            var newcomer = await second.RegisterAsync("newcomer");
            Assert.False(newcomer.IsAdmin);

            // Rooms and members.
            var rooms = (await second.GetAsync("/api/rooms", bob.AccessToken)).Body.GetProperty("rooms").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToArray();
            Assert.Contains(room, rooms);
            Assert.Contains(direct, rooms);
            Assert.Equal(200, (await second.PostAsync("/api/rooms/direct", new { userId = alice.Id }, bob.AccessToken)).Status);

            // Messages, edits, replies and reactions.
            var history = (await second.GetAsync($"/api/rooms/{room}/messages", bob.AccessToken)).Body.GetProperty("messages").EnumerateArray().ToArray();
            Assert.Equal([replyId, firstId], history.Select(m => m.GetProperty("id").GetString()));
            var firstMessage = history[1];
            Assert.Equal($"hello @{bob.UserName}", firstMessage.GetProperty("content").GetString());
            Assert.Equal(JsonValueKind.String, firstMessage.GetProperty("editedAt").ValueKind);
            var reaction = Assert.Single(firstMessage.GetProperty("reactions").EnumerateArray());
            Assert.Equal("🎉", reaction.GetProperty("emoji").GetString());
            Assert.Equal([bob.Id, alice.Id], reaction.GetProperty("userIds").EnumerateArray().Select(u => u.GetString()));
            Assert.Equal(firstId, history[0].GetProperty("replyToId").GetString());
            Assert.Single((await second.GetAsync($"/api/rooms/{direct}/messages", bob.AccessToken)).Body.GetProperty("messages").EnumerateArray());

            // Notifications.
            var types = (await second.GetAsync("/api/notifications", bob.AccessToken)).Body.GetProperty("notifications").EnumerateArray().Select(n => n.GetProperty("type").GetString()).ToArray();
            Assert.Contains("mention", types);
            Assert.Equal(2, types.Count(t => t == "room_added"));

            // The real-time API carries on, idempotency keys included.
            await using var again = SocketClients.Start(second.BaseUri);
            var a2 = await again.ConnectAsync("a2", alice.AccessToken);
            var retry = await a2.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "draft", clientMessageId = "keep-1" });
            Assert.Equal(firstId, retry.GetProperty("message").GetProperty("id").GetString());
            Assert.True(retry.GetProperty("duplicate").GetBoolean());
            await a2.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "after the restart" });
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
