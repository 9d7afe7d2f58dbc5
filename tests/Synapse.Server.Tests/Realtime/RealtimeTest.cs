using System.Text.Json;
using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Realtime;

/// <summary>
/// Base of the real-time tests on the default storage: the class shares one server.
/// </summary>
public abstract class RealtimeTest(ServerFixture fixture) : RealtimeTestBase(fixture), IClassFixture<ServerFixture>;

/// <summary>
/// Base of the real-time tests: the class shares one server (its fixture, chosen by the concrete
/// class: SQLite or PostgreSQL); each test gets its own Node process of socket.io-client
/// connections (<see cref="Clients"/>), closed after the test.
/// </summary>
public abstract class RealtimeTestBase(ServerFixture fixture) : IAsyncLifetime
{
    private SocketClients? _clients;

    /// <summary>The server.</summary>
    protected SynapseServer Server => fixture.Server;

    /// <summary>The administrator of the server.</summary>
    protected TestUser Admin => fixture.Admin;

    /// <summary>This test's clients.</summary>
    protected SocketClients Clients => _clients ??= SocketClients.Start(Server.BaseUri);

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_clients is not null)
        {
            await _clients.DisposeAsync();
        }
    }

    /// <summary>Connects <paramref name="user"/> as a new client (a new tab).</summary>
    protected Task<SocketClient> ConnectAsync(TestUser user, string? tab = null) =>
        Clients.ConnectAsync(tab ?? user.UserName, user.AccessToken);

    /// <summary><c>room:join</c>, asserting success; returns the ack.</summary>
    protected static async Task<JsonElement> JoinAsync(SocketClient client, string roomId)
    {
        var ack = await client.EmitExpectingSuccessAsync("room:join", new { roomId });
        await client.WaitForEventAsync("room:joined", p => p.GetProperty("roomId").GetString() == roomId);
        return ack;
    }

    /// <summary><c>message:send</c>, asserting success; returns the stored message.</summary>
    protected static async Task<JsonElement> SendAsync(SocketClient client, string roomId, string content, string? clientMessageId = null, string? replyToId = null)
    {
        var ack = await client.EmitExpectingSuccessAsync("message:send", new { roomId, content, clientMessageId, replyToId });
        return ack.GetProperty("message");
    }

    /// <summary>A predicate on a payload's string property.</summary>
    protected static Func<JsonElement, bool> Where(string property, string? value) =>
        p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() == value;
}
