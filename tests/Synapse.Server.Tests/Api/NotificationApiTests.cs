using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Api;

public abstract class NotificationApiTests(ServerFixture fixture)
{
    private SynapseServer Server => fixture.Server;

    [Fact]
    public async Task Being_added_to_a_room_creates_a_notification_that_can_be_marked_read()
    {
        var owner = await Server.RegisterAsync("ntf_o", displayName: "Olga");
        var member = await Server.RegisterAsync("ntf_m");
        var room = await Server.CreateRoomAsync(owner, isPrivate: true, member);

        var list = await Server.GetAsync("/api/notifications", member.AccessToken);

        Assert.Equal(200, list.Status);
        Assert.Equal(1, list.Body.GetProperty("unreadCount").GetInt32());
        var notification = list.Body.GetProperty("notifications").EnumerateArray().Single();
        Assert.Equal("room_added", notification.GetProperty("type").GetString());
        Assert.Equal(room, notification.GetProperty("roomId").GetString());
        Assert.Contains("Olga", notification.GetProperty("message").GetString());
        Assert.False(notification.GetProperty("read").GetBoolean());
        foreach (var field in new[] { "id", "type", "title", "message", "createdAt" })
        {
            Assert.True(notification.TryGetProperty(field, out _), field);
        }

        var id = notification.GetProperty("id").GetString();
        Assert.Equal(204, (await Server.PostAsync($"/api/notifications/{id}/read", null, member.AccessToken)).Status);

        var after = await Server.GetAsync("/api/notifications", member.AccessToken);
        Assert.Equal(0, after.Body.GetProperty("unreadCount").GetInt32());
        Assert.True(after.Body.GetProperty("notifications")[0].GetProperty("read").GetBoolean());
        Assert.Empty((await Server.GetAsync("/api/notifications?unreadOnly=true", member.AccessToken)).Body.GetProperty("notifications").EnumerateArray());
        Assert.Empty((await Server.GetAsync("/api/notifications", owner.AccessToken)).Body.GetProperty("notifications").EnumerateArray());
    }

    [Fact]
    public async Task Notifications_are_private_to_their_user()
    {
        var owner = await Server.RegisterAsync("ntp_o");
        var member = await Server.RegisterAsync("ntp_m");
        await Server.CreateRoomAsync(owner, isPrivate: false, member);
        var id = (await Server.GetAsync("/api/notifications", member.AccessToken)).Body.GetProperty("notifications")[0].GetProperty("id").GetString();

        (await Server.PostAsync($"/api/notifications/{id}/read", null, owner.AccessToken)).AssertError(404, "NOT_FOUND");
        (await Server.PostAsync("/api/notifications/ntf_00000000000000000000000000000000/read", null, member.AccessToken)).AssertError(404, "NOT_FOUND");
        (await Server.GetAsync("/api/notifications?limit=0", member.AccessToken)).AssertError(400, "VALIDATION_ERROR");
        (await Server.GetAsync("/api/notifications", null)).AssertError(401, "UNAUTHENTICATED");
    }

    /// <summary>These tests on the default storage, SQLite.</summary>
    public sealed class OnSqlite(ServerFixture fixture) : NotificationApiTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>These tests on PostgreSQL.</summary>
    [Collection(PostgresCollection.Name)]
    public sealed class OnPostgres(PostgresServerFixture fixture) : NotificationApiTests(fixture), IClassFixture<PostgresServerFixture>;
}
