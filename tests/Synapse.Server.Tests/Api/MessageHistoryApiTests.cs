using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Synapse.Server.Domain;
using Synapse.Server.Services;
using Synapse.Server.Storage;
using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Api;

/// <summary>GET /api/rooms/{id}/messages. Messages are written through the MessageService in-process (the real-time tests cover sending).</summary>
public abstract class MessageHistoryApiTests(ServerFixture fixture)
{
    private SynapseServer Server => fixture.Server;

    [Fact]
    public async Task History_pages_newest_first_with_a_before_cursor()
    {
        var (user, room, ids) = await RoomWithMessagesAsync(7);

        var first = await Server.GetAsync($"/api/rooms/{room}/messages?limit=3", user.AccessToken);
        var second = await Server.GetAsync($"/api/rooms/{room}/messages?limit=3&before={Ids(first).Last()}", user.AccessToken);
        var third = await Server.GetAsync($"/api/rooms/{room}/messages?limit=3&before={Ids(second).Last()}", user.AccessToken);

        Assert.Equal(ids[^3..].Reverse(), Ids(first));
        Assert.True(first.Body.GetProperty("hasMore").GetBoolean());
        Assert.Equal(ids[1..4].Reverse(), Ids(second));
        Assert.True(second.Body.GetProperty("hasMore").GetBoolean());
        Assert.Equal([ids[0]], Ids(third));
        Assert.False(third.Body.GetProperty("hasMore").GetBoolean());
    }

    [Fact]
    public async Task After_returns_what_was_missed_oldest_first()
    {
        var (user, room, ids) = await RoomWithMessagesAsync(5);

        var missed = await Server.GetAsync($"/api/rooms/{room}/messages?after={ids[1]}", user.AccessToken);
        var paged = await Server.GetAsync($"/api/rooms/{room}/messages?after={ids[1]}&limit=2", user.AccessToken);

        Assert.Equal(ids[2..], Ids(missed));
        Assert.False(missed.Body.GetProperty("hasMore").GetBoolean());
        Assert.Equal(ids[2..4], Ids(paged));
        Assert.True(paged.Body.GetProperty("hasMore").GetBoolean());
    }

    [Fact]
    public async Task History_messages_have_the_message_shape()
    {
        var (user, room, ids) = await RoomWithMessagesAsync(1);

        var page = await Server.GetAsync($"/api/rooms/{room}/messages", user.AccessToken);

        var message = page.Body.GetProperty("messages")[0];
        Assert.Equal(
            ["id", "roomId", "userId", "userName", "content", "createdAt", "editedAt", "replyToId", "reactions", "clientMessageId"],
            message.EnumerateObject().Select(p => p.Name));
        Assert.Equal(ids[0], message.GetProperty("id").GetString());
        Assert.Equal(room, message.GetProperty("roomId").GetString());
        Assert.Equal(user.UserName, message.GetProperty("userName").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("editedAt").ValueKind);
        Assert.Empty(message.GetProperty("reactions").EnumerateArray());
    }

    [Fact]
    public async Task Deleted_messages_leave_history_and_reactions_appear_in_it()
    {
        var (user, room, ids) = await RoomWithMessagesAsync(3);
        var sender = await DomainUserAsync(user);
        var messages = Server.Services.GetRequiredService<MessageService>();
        Assert.True((await messages.DeleteAsync(sender, ids[1], default)).IsSuccess);
        Assert.True((await messages.ToggleReactionAsync(sender, ids[2], "👍", default)).IsSuccess);

        var page = await Server.GetAsync($"/api/rooms/{room}/messages", user.AccessToken);
        var afterDeleted = await Server.GetAsync($"/api/rooms/{room}/messages?after={ids[1]}", user.AccessToken);

        Assert.Equal([ids[2], ids[0]], Ids(page));
        var reaction = page.Body.GetProperty("messages")[0].GetProperty("reactions")[0];
        Assert.Equal("👍", reaction.GetProperty("emoji").GetString());
        Assert.Equal(1, reaction.GetProperty("count").GetInt32());
        Assert.Equal(user.Id, reaction.GetProperty("userIds")[0].GetString());
        Assert.Equal([ids[2]], Ids(afterDeleted));
    }

    [Fact]
    public async Task History_validates_its_parameters()
    {
        var (user, room, ids) = await RoomWithMessagesAsync(1);
        var (_, otherRoom, otherIds) = await RoomWithMessagesAsync(1);

        (await Server.GetAsync($"/api/rooms/{room}/messages?before={ids[0]}&after={ids[0]}", user.AccessToken)).AssertError(400, "VALIDATION_ERROR");
        (await Server.GetAsync($"/api/rooms/{room}/messages?limit=0", user.AccessToken)).AssertError(400, "VALIDATION_ERROR");
        (await Server.GetAsync($"/api/rooms/{room}/messages?limit=101", user.AccessToken)).AssertError(400, "VALIDATION_ERROR");
        (await Server.GetAsync($"/api/rooms/{room}/messages?limit=ten", user.AccessToken)).AssertError(400, "VALIDATION_ERROR");
        (await Server.GetAsync($"/api/rooms/{room}/messages?before=msg_00000000000000000000000000000000", user.AccessToken)).AssertError(404, "NOT_FOUND");
        (await Server.GetAsync($"/api/rooms/{room}/messages?before={otherIds[0]}", user.AccessToken)).AssertError(404, "NOT_FOUND");
        (await Server.GetAsync($"/api/rooms/{otherRoom}/messages", null)).AssertError(401, "UNAUTHENTICATED");
    }

    private async Task<(TestUser User, string RoomId, string[] MessageIds)> RoomWithMessagesAsync(int count)
    {
        var user = await Server.RegisterAsync("hist");
        var room = await Server.CreateRoomAsync(user, isPrivate: true);
        var sender = await DomainUserAsync(user);
        var messages = Server.Services.GetRequiredService<MessageService>();
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var sent = await messages.SendAsync(sender, room, $"message {i}", null, null, default);
            Assert.True(sent.IsSuccess, sent.Error?.Message);
            ids.Add(sent.Value.Message.Id);
        }

        return (user, room, ids.ToArray());
    }

    private async Task<User> DomainUserAsync(TestUser user) =>
        (await Server.Services.GetRequiredService<IUserStore>().GetUserAsync(user.Id, default))!;

    private static string[] Ids(ApiResponse page)
    {
        Assert.True(page.Status == 200, page.ToString());
        return page.Body.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToArray();
    }

    /// <summary>These tests on the default storage, SQLite.</summary>
    public sealed class OnSqlite(ServerFixture fixture) : MessageHistoryApiTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>These tests on PostgreSQL.</summary>
    [Collection(PostgresCollection.Name)]
    public sealed class OnPostgres(PostgresServerFixture fixture) : MessageHistoryApiTests(fixture), IClassFixture<PostgresServerFixture>;
}
