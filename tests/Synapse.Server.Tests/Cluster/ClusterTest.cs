using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Cluster;

/// <summary>
/// Base of the cluster tests: the shared two-node cluster, and per test one driver of
/// socket.io-client connections per node (closed after the test).
/// </summary>
[Collection(ClusterCollection.Name)]
public abstract class ClusterTest(SynapseCluster cluster) : IAsyncLifetime
{
    private readonly List<SocketClients> _drivers = [];

    /// <summary>The cluster.</summary>
    protected SynapseCluster Cluster => cluster;

    /// <summary>Node A.</summary>
    protected SynapseServer A => cluster.A;

    /// <summary>Node B.</summary>
    protected SynapseServer B => cluster.B;

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var driver in _drivers)
        {
            await driver.DisposeAsync();
        }
    }

    /// <summary>Connects <paramref name="user"/> to the node at <paramref name="node"/> as a new client (a tab) named <paramref name="tab"/>.</summary>
    protected Task<SocketClient> ConnectAsync(Uri node, TestUser user, string tab)
    {
        var driver = _drivers.FirstOrDefault(d => d.BaseUri == node);
        if (driver is null)
        {
            driver = SocketClients.Start(node);
            _drivers.Add(driver);
        }

        return driver.ConnectAsync(tab, user.AccessToken);
    }

    /// <summary><c>room:join</c>, asserting success.</summary>
    protected static async Task JoinAsync(SocketClient client, string roomId)
    {
        await client.EmitExpectingSuccessAsync("room:join", new { roomId });
        await client.WaitForEventAsync("room:joined", p => p.GetProperty("roomId").GetString() == roomId);
    }

    /// <summary>The online members of a room, as <c>presence:list</c> acks them.</summary>
    protected static async Task<string[]> OnlineAsync(SocketClient client, string room)
    {
        var ack = await client.EmitExpectingSuccessAsync("presence:list", new { roomId = room });
        return ack.GetProperty("userIds").EnumerateArray().Select(u => u.GetString()!).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>A predicate on a payload's <c>userId</c>.</summary>
    protected static Func<System.Text.Json.JsonElement, bool> User(TestUser user) =>
        p => p.TryGetProperty("userId", out var id) && id.GetString() == user.Id;
}
