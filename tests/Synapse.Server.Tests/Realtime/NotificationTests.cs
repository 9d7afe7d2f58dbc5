using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Realtime;

public abstract class NotificationTests(ServerFixture fixture) : RealtimeTestBase(fixture)
{
    [Fact]
    public async Task A_mention_creates_a_notification()
    {
        var alice = await Server.RegisterAsync("alice", displayName: "Alice A.");
        var bob = await Server.RegisterAsync("bob");
        var carol = await Server.RegisterAsync("carol");
        var room = await Server.CreateRoomAsync(alice, isPrivate: true, bob);
        var a = await ConnectAsync(alice);
        var b = await ConnectAsync(bob);
        var c = await ConnectAsync(carol);
        await JoinAsync(a, room);

        // Bob is mentioned (case-insensitively, with trailing punctuation); Carol is not a member; Alice is the author.
        var message = await SendAsync(a, room, $"Hey @{bob.UserName.ToUpperInvariant()}. Ask @{carol.UserName} and @{alice.UserName}, mail me at x@{bob.UserName}");

        var live = await b.WaitForEventAsync("notification", Where("type", "mention"));
        Assert.Equal(message.GetProperty("id").GetString(), live.GetProperty("messageId").GetString());
        Assert.Equal(room, live.GetProperty("roomId").GetString());
        Assert.Contains("Alice A.", live.GetProperty("title").GetString());
        Assert.StartsWith("Hey @", live.GetProperty("message").GetString());
        foreach (var field in new[] { "id", "type", "title", "message", "createdAt" })
        {
            Assert.True(live.TryGetProperty(field, out _), field);
        }

        var stored = await Server.GetAsync("/api/notifications", bob.AccessToken);
        var mention = Assert.Single(stored.Body.GetProperty("notifications").EnumerateArray(), n => n.GetProperty("type").GetString() == "mention");
        Assert.Equal(live.GetProperty("id").GetString(), mention.GetProperty("id").GetString());

        await c.SyncAsync();
        c.AssertNone("notification");
        await a.SyncAsync();
        a.AssertNone("notification");
        await b.SyncAsync();
        b.AssertNone("notification", Where("type", "mention"));

        var read = await b.EmitExpectingSuccessAsync("notification:read", new { notificationId = live.GetProperty("id").GetString() });
        Assert.Equal(live.GetProperty("id").GetString(), read.GetProperty("notificationId").GetString());
        await c.EmitExpectingErrorAsync("NOT_FOUND", "notification:read", new { notificationId = live.GetProperty("id").GetString() });
        Assert.Equal(0, (await Server.GetAsync("/api/notifications?unreadOnly=true", bob.AccessToken)).Body.GetProperty("notifications").EnumerateArray().Count(n => n.GetProperty("type").GetString() == "mention"));
    }

    [Fact]
    public async Task Being_added_to_a_room_is_notified_live()
    {
        var alice = await Server.RegisterAsync("alice");
        var bob = await Server.RegisterAsync("bob");
        var b = await ConnectAsync(bob);

        var room = await Server.CreateRoomAsync(alice, isPrivate: true, bob);

        var notification = await b.WaitForEventAsync("notification", Where("type", "room_added"));
        Assert.Equal(room, notification.GetProperty("roomId").GetString());
        await JoinAsync(b, room);
    }

    [Fact]
    public async Task Announcements_reach_everyone()
    {
        var alice = await Server.RegisterAsync("alice");
        var bob = await Server.RegisterAsync("bob");
        var a = await ConnectAsync(alice);
        var b = await ConnectAsync(bob);

        var posted = await Server.PostAsync("/api/admin/announcements", new { message = "Maintenance in 5 minutes" }, Admin.AccessToken);
        Assert.Equal(200, posted.Status);

        foreach (var client in new[] { a, b })
        {
            var announcement = await client.WaitForEventAsync("system:announcement");
            Assert.Equal("Maintenance in 5 minutes", announcement.GetProperty("message").GetString());
            Assert.Equal(posted.Body.GetProperty("createdAt").GetDateTimeOffset(), announcement.GetProperty("createdAt").GetDateTimeOffset());
        }
    }

    /// <summary>These tests on the default storage, SQLite.</summary>
    public sealed class OnSqlite(ServerFixture fixture) : NotificationTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>These tests on PostgreSQL.</summary>
    [Collection(PostgresCollection.Name)]
    public sealed class OnPostgres(PostgresServerFixture fixture) : NotificationTests(fixture), IClassFixture<PostgresServerFixture>;
}
