using System.Text.Json;
using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Realtime;

public sealed class ConnectionTests(ServerFixture fixture) : RealtimeTest(fixture)
{
    [Fact]
    public async Task Connections_without_a_valid_token_are_refused()
    {
        var user = await Server.RegisterAsync("conn");

        var refusals = new[]
        {
            await Clients.ConnectRefusedAsync("none", new { }),
            await Clients.ConnectRefusedAsync("garbage", new { token = "garbage" }),
            await Clients.ConnectRefusedAsync("number", new { token = 42 }),
            await Clients.ConnectRefusedAsync("forged", new { token = TestTokens.Forged(Server, user) }),
            await Clients.ConnectRefusedAsync("expired", new { token = TestTokens.Expired(Server, user) }),
        };

        foreach (var (message, data) in refusals)
        {
            Assert.Equal("Authentication error", message);
            Assert.Equal("UNAUTHENTICATED", data.GetProperty("code").GetString());
        }

        Assert.Contains("expired", refusals[^1].Data.GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_authenticate_event_confirms_the_connections_identity()
    {
        var alice = await Server.RegisterAsync("auth_a");
        var bob = await Server.RegisterAsync("auth_b");
        var client = await ConnectAsync(alice);

        var ok = await client.EmitExpectingSuccessAsync("authenticate", new { token = alice.AccessToken, userId = alice.Id, userName = alice.UserName });
        Assert.Equal(alice.Id, ok.GetProperty("user").GetProperty("id").GetString());
        Assert.False(ok.GetProperty("user").TryGetProperty("passwordHash", out _));

        await client.EmitExpectingErrorAsync("FORBIDDEN", "authenticate", new { token = alice.AccessToken, userId = bob.Id, userName = alice.UserName });
        await client.EmitExpectingErrorAsync("FORBIDDEN", "authenticate", new { token = alice.AccessToken, userName = bob.UserName });
        await client.EmitExpectingErrorAsync("FORBIDDEN", "authenticate", new { token = bob.AccessToken, userId = bob.Id });
        await client.EmitExpectingErrorAsync("UNAUTHENTICATED", "authenticate", new { token = TestTokens.Forged(Server, alice) });
        await client.EmitExpectingErrorAsync("UNAUTHENTICATED", "authenticate", new { });
        await client.EmitExpectingErrorAsync("VALIDATION_ERROR", "authenticate", "just a string");
    }

    [Fact]
    public async Task A_failure_without_ack_callback_is_emitted_as_an_error_event()
    {
        var user = await Server.RegisterAsync("noack");
        var client = await ConnectAsync(user);

        await client.EmitAsync("room:join", new { roomId = "no such room!" });
        var error = await client.WaitForEventAsync("error");

        Assert.Equal("VALIDATION_ERROR", error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Malformed_payloads_are_refused_with_VALIDATION_ERROR()
    {
        var user = await Server.RegisterAsync("malformed");
        var client = await ConnectAsync(user);

        await client.EmitExpectingErrorAsync("VALIDATION_ERROR", "room:join");
        await client.EmitExpectingErrorAsync("VALIDATION_ERROR", "room:join", 12);
        await client.EmitExpectingErrorAsync("VALIDATION_ERROR", "room:join", new[] { "room" });
        await client.EmitExpectingErrorAsync("VALIDATION_ERROR", "room:join", new { roomId = 12 });
        await client.EmitExpectingErrorAsync("VALIDATION_ERROR", "message:send", new { roomId = "room_x", content = new { text = "hi" } });
        await client.EmitExpectingErrorAsync("VALIDATION_ERROR", "message:react", new { messageId = "msg_x", emoji = "two words" });
    }

    [Fact]
    public async Task The_seed_connection_flow_from_the_README_works()
    {
        var result = await NodeScript.RunAsync("synapse-connection-flow.mjs", [Server.BaseUri.ToString()], timeout: TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        var steps = result.Messages.Select(m => m.GetProperty("step").GetString()).ToArray();
        Assert.Contains("authenticated", steps);
        Assert.Equal(2, steps.Count(s => s == "joined"));
        var received = result.Messages.Single(m => m.GetProperty("step").GetString() == "received");
        Assert.StartsWith("Hello @bob_", received.GetProperty("content").GetString());
    }

    [Fact]
    public async Task The_README_client_example_runs_as_written()
    {
        // A server of its own: the example logs in as "alice" and uses the first room she sees.
        await using var server = await SynapseServer.StartAsync();
        var registered = await server.PostAsync("/api/auth/register", new { userName = "alice", password = "correct horse" });
        Assert.Equal(201, registered.Status);
        var alice = TestUser.From(registered.Body, "correct horse");
        var room = await server.CreateRoomAsync(alice, isPrivate: true);

        var result = await NodeScript.RunAsync("synapse-readme-example.mjs", [RepoRoot.Combine("README.md"), server.BaseUri.ToString()], timeout: TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        var logs = result.Messages.Where(m => m.GetProperty("step").GetString() == "log").Select(m => m.GetProperty("text").GetString()!).ToArray();
        Assert.Equal([$"in {room}: 1 of 1 members online", "alice: Hello!"], logs);
        var stored = Assert.Single((await server.GetAsync($"/api/rooms/{room}/messages", alice.AccessToken)).Body.GetProperty("messages").EnumerateArray());
        Assert.Equal("Hello!", stored.GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.String, stored.GetProperty("clientMessageId").ValueKind);
    }

    [Fact]
    public void Every_real_time_event_is_in_the_READMEs_tables()
    {
        var readme = File.ReadAllText(RepoRoot.Combine("README.md"));
        var section = readme.Split("<!-- synapse-server-api")[1].Split("<!-- /synapse-server-api -->")[0];
        var names = typeof(Synapse.Server.Realtime.SocketEvents)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToArray();

        Assert.NotEmpty(names);
        Assert.All(names, name => Assert.Contains($"| `{name}`", section.Replace("` / `", "`\n| `")));
    }

    [Fact]
    public async Task Websocket_only_and_polling_only_clients_work_alike()
    {
        var alice = await Server.RegisterAsync("ws");
        var bob = await Server.RegisterAsync("poll");
        var room = await Server.CreateRoomAsync(alice, isPrivate: true, bob);
        var ws = await Clients.ConnectAsync("ws", alice.AccessToken, new { transports = new[] { "websocket" } });
        var polling = await Clients.ConnectAsync("polling", bob.AccessToken, new { transports = new[] { "polling" } });
        await JoinAsync(ws, room);
        await JoinAsync(polling, room);

        var sent = await SendAsync(ws, room, "over websocket");
        var received = await polling.WaitForEventAsync("message:new");

        Assert.Equal(sent.GetProperty("id").GetString(), received.GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Object, received.ValueKind);
    }
}
