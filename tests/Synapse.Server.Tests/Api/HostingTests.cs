using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Api;

public sealed class HostingTests
{
    [Fact]
    public async Task A_fresh_data_folder_gets_the_database_and_a_signing_key()
    {
        await using var server = await SynapseServer.StartAsync();

        Assert.True(File.Exists(Path.Combine(server.DataDirectory, "synapse.db")));
        var key = Path.Combine(server.DataDirectory, "keys", "token-signing.key");
        Assert.True(File.Exists(key));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }

        Assert.Contains(server.Logs.Entries, e => e.Message.Contains("Synapse listening on http://127.0.0.1:") && e.Message.Contains(server.DataDirectory));
        var health = await server.GetAsync("/api/health", null);
        Assert.Equal(200, health.Status);
        Assert.Equal("ok", health.Body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_configured_signing_key_is_used_instead_of_a_generated_one()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using var server = await SynapseServer.StartAsync(settings: new Dictionary<string, string> { ["Synapse:Auth:SigningKey"] = key });

        var user = await server.RegisterAsync("keyed");

        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "keys", "token-signing.key")));
        Assert.Equal(200, (await server.GetAsync("/api/users/me", user.AccessToken)).Status);
    }

    [Fact]
    public async Task Unknown_routes_and_methods_get_the_error_shape()
    {
        await using var server = await SynapseServer.StartAsync();

        (await server.GetAsync("/api/nothing-here", null)).AssertError(404, "NOT_FOUND");
        (await server.SendAsync(HttpMethod.Put, "/api/health")).AssertError(405, "METHOD_NOT_ALLOWED");
    }

    [Fact]
    public async Task Socket_io_and_its_client_bundle_are_served_on_the_same_port()
    {
        await using var server = await SynapseServer.StartAsync();

        var handshake = await server.Http.GetStringAsync("/socket.io/?EIO=4&transport=polling");
        var bundle = await server.Http.GetAsync("/socket.io/socket.io.min.js");

        Assert.StartsWith("0{\"sid\":", handshake);
        Assert.True(bundle.IsSuccessStatusCode);
    }
}
