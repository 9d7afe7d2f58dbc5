using System.Net.Http.Json;
using System.Text.Json;
using Synapse.Server.Tests.Cluster;
using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Api;

/// <summary>
/// The server as its own process, configured as an operator would (data folder from the
/// environment, <c>--urls</c> on the command line): what it logs at start, that an acknowledged
/// message survives the process being killed right after the ack, and that Ctrl+C (SIGINT) stops
/// it cleanly with nothing lost.
/// </summary>
public sealed class ServerProcessTests
{
    [Fact]
    public async Task Acknowledged_messages_survive_a_kill_and_Ctrl_C_stops_the_server_cleanly()
    {
        var data = SynapseServer.NewDataDirectory();
        try
        {
            string room, firstId, secondId;
            TestUser alice;
            await using (var first = await SynapseProcess.StartAsync(new Dictionary<string, string>(), data))
            {
                Assert.Contains($"Synapse listening on {first.BaseUri.ToString().TrimEnd('/')}", first.Output);
                Assert.Contains(Path.Combine(data, "synapse.db"), first.Output);
                Assert.Contains($"Generated a new token-signing key in {Path.Combine(data, "keys", "token-signing.key")}", first.Output);

                using var http = new HttpClient { BaseAddress = first.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
                alice = await RegisterAsync(http, "alice");
                room = await CreateRoomAsync(http, alice);
                await using var clients = SocketClients.Start(first.BaseUri);
                var a = await clients.ConnectAsync("alice", alice.AccessToken);
                var ack = await a.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "acked, then killed", clientMessageId = "k-1" });
                firstId = ack.GetProperty("message").GetProperty("id").GetString()!;

                // No graceful stop: whatever was acknowledged must already be on disk.
                await first.KillAsync();
            }

            await using (var second = await SynapseProcess.StartAsync(new Dictionary<string, string>(), data))
            {
                Assert.DoesNotContain("Generated a new token-signing key", second.Output);
                using var http = new HttpClient { BaseAddress = second.BaseUri, Timeout = TimeSpan.FromSeconds(10) };

                // The token issued by the killed process is still good: the key was kept.
                Assert.Equal([firstId], await HistoryAsync(http, alice, room));

                await using var clients = SocketClients.Start(second.BaseUri);
                var a = await clients.ConnectAsync("alice", alice.AccessToken);
                var retry = await a.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "acked, then killed", clientMessageId = "k-1" });
                Assert.True(retry.GetProperty("duplicate").GetBoolean());
                var ack = await a.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "before Ctrl+C" });
                secondId = ack.GetProperty("message").GetProperty("id").GetString()!;
                await a.EmitExpectingSuccessAsync("message:react", new { messageId = secondId, emoji = "🛑" });

                Assert.Equal(0, await second.InterruptAsync());
            }

            await using (var third = await SynapseProcess.StartAsync(new Dictionary<string, string>(), data))
            {
                using var http = new HttpClient { BaseAddress = third.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
                var messages = await GetAsync(http, $"/api/rooms/{room}/messages", alice.AccessToken);
                Assert.Equal([secondId, firstId], messages.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetString()!));
                var reaction = Assert.Single(messages.GetProperty("messages")[0].GetProperty("reactions").EnumerateArray());
                Assert.Equal("🛑", reaction.GetProperty("emoji").GetString());
                Assert.Equal(0, await third.InterruptAsync());
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<TestUser> RegisterAsync(HttpClient http, string prefix)
    {
        var userName = $"{prefix}_{Guid.NewGuid().ToString("N")[..8]}";
        using var response = await http.PostAsJsonAsync("/api/auth/register", new { userName, password = "password123" });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return TestUser.From(await response.Content.ReadFromJsonAsync<JsonElement>(), "password123");
    }

    private static async Task<string> CreateRoomAsync(HttpClient http, TestUser owner)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/rooms") { Content = JsonContent.Create(new { name = "durable", isPrivate = true }) };
        request.Headers.Authorization = new("Bearer", owner.AccessToken);
        using var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task<string[]> HistoryAsync(HttpClient http, TestUser user, string room) =>
        (await GetAsync(http, $"/api/rooms/{room}/messages", user.AccessToken)).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToArray();

    private static async Task<JsonElement> GetAsync(HttpClient http, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", token);
        using var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
