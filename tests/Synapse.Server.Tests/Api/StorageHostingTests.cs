using Microsoft.Extensions.Options;
using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Api;

/// <summary>Choosing the database by configuration, and the server on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class StorageHostingTests(PostgresFixture postgres)
{
    [Fact]
    public async Task The_server_runs_on_PostgreSQL_when_configured_and_keeps_its_data_across_restarts()
    {
        // The cluster trusts every local connection, so a password is accepted and ignored: here it
        // only shows that the log never prints it.
        var settings = new Dictionary<string, string>(await postgres.CreateServerSettingsAsync());
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(settings["Synapse:Storage:ConnectionString"]) { Password = "not-for-logs" };
        settings["Synapse:Storage:ConnectionString"] = connection.ConnectionString;
        var database = connection.Database;
        TestUser alice;
        string room;
        await using (var first = await SynapseServer.StartAsync(settings: settings))
        {
            Assert.Contains(first.Logs.Entries, e => e.Message.Contains("Synapse listening on") && e.Message.Contains($"PostgreSQL database {database} on 127.0.0.1:{postgres.Server.Port}"));
            Assert.DoesNotContain(first.Logs.Entries, e => e.Message.Contains("not-for-logs", StringComparison.Ordinal));
            Assert.False(File.Exists(Path.Combine(first.DataDirectory, "synapse.db")));

            var admin = await first.RegisterAsync("admin");
            Assert.True(admin.IsAdmin);
            alice = await first.RegisterAsync("alice");
            room = await first.CreateRoomAsync(alice, isPrivate: false);
            await using var clients = SocketClients.Start(first.BaseUri);
            var socket = await clients.ConnectAsync("alice", alice.AccessToken);
            await socket.EmitExpectingSuccessAsync("room:join", new { roomId = room });
            await socket.EmitExpectingSuccessAsync("message:send", new { roomId = room, content = "stored in PostgreSQL" });
        }

        // Another server (another data folder) on the same database sees everything.
        await using var second = await SynapseServer.StartAsync(settings: settings);
        var login = await second.PostAsync("/api/auth/login", new { userName = alice.UserName, password = alice.Password });
        Assert.Equal(200, login.Status);
        var history = await second.GetAsync($"/api/rooms/{room}/messages", alice.AccessToken);
        Assert.Equal(200, history.Status);
        Assert.Equal("stored in PostgreSQL", history.Body.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.False((await second.RegisterAsync("later")).IsAdmin);
    }

    [Fact]
    public async Task Postgres_without_a_connection_string_is_refused_at_startup()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            SynapseServer.StartAsync(settings: new Dictionary<string, string> { ["Synapse:Storage:Provider"] = "Postgres" }));
        Assert.Contains("Synapse:Storage:ConnectionString is required", error.Message);
    }

    [Fact]
    public async Task A_connection_string_with_the_SQLite_provider_is_refused_at_startup()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            SynapseServer.StartAsync(settings: new Dictionary<string, string> { ["Synapse:Storage:ConnectionString"] = "Host=localhost" }));
        Assert.Contains("Synapse:Storage:Provider is Sqlite", error.Message);
    }

    [Fact]
    public async Task An_unknown_provider_is_refused_at_startup()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            SynapseServer.StartAsync(settings: new Dictionary<string, string> { ["Synapse:Storage:Provider"] = "Oracle" }));
        Assert.Contains("Synapse:Storage:Provider", error.Message);
    }

    [Fact]
    public async Task An_unreachable_database_fails_the_start_with_the_reason()
    {
        var settings = new Dictionary<string, string>
        {
            ["Synapse:Storage:Provider"] = "Postgres",
            ["Synapse:Storage:ConnectionString"] = $"Host=127.0.0.1;Port={postgres.Server.Port};Username=nobody_here;Database=x;Timeout=5",
        };
        var error = await Assert.ThrowsAnyAsync<Npgsql.NpgsqlException>(() => SynapseServer.StartAsync(settings: settings));
        Assert.Contains("nobody_here", error.Message);
    }
}
