using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Realtime;

public sealed class RateLimitTests
{
    [Fact]
    public async Task Sending_faster_than_the_limit_is_RATE_LIMITED()
    {
        await using var server = await SynapseServer.StartAsync(settings: new Dictionary<string, string>
        {
            ["Synapse:RateLimits:Messages:PermitLimit"] = "3",
            ["Synapse:RateLimits:Messages:Window"] = "00:01:00",
        });
        await using var clients = SocketClients.Start(server.BaseUri);
        var alice = await server.RegisterAsync("spammer");
        var bob = await server.RegisterAsync("other");
        var room = await server.CreateRoomAsync(alice, isPrivate: false, bob);
        var tab1 = await clients.ConnectAsync("tab1", alice.AccessToken);
        var tab2 = await clients.ConnectAsync("tab2", alice.AccessToken);
        var b = await clients.ConnectAsync("bob", bob.AccessToken);

        for (var i = 0; i < 3; i++)
        {
            await tab1.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = $"m{i}", clientMessageId = $"m{i}" });
        }

        // The limit is per user: another tab does not get a fresh allowance.
        await tab2.EmitExpectingErrorAsync("RATE_LIMITED", "message:send", new { roomId = room, content = "one too many" });
        await tab1.EmitAsync("message:send", new { roomId = room, content = "no ack" });
        var error = await tab1.WaitForEventAsync("error");
        Assert.Equal("RATE_LIMITED", error.GetProperty("code").GetString());

        // A retry of a stored message is not a new message: it is answered, not limited.
        var retry = await tab1.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "m0", clientMessageId = "m0" });
        Assert.True(retry.GetProperty("duplicate").GetBoolean());

        // Other users are not affected.
        await b.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "still fine" });
    }
}
