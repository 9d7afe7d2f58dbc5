using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Cluster;

/// <summary>
/// A Synapse cluster for tests: one real <c>redis-server</c>, one shared database and two nodes
/// (<see cref="A"/> and <see cref="B"/>, in-process, each on its own ephemeral port with the Redis
/// adapter). Tests may start more nodes (<see cref="StartNodeAsync"/>, <see cref="StartProcessAsync"/>).
/// Heartbeats are fast (every 250 ms, given up after 2 s) so that dead nodes are found quickly.
/// </summary>
public sealed class SynapseCluster : IAsyncLifetime
{
    /// <summary>How long a node's heartbeat lives without renewal.</summary>
    public static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How often nodes renew their heartbeat and sweep dead nodes.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(250);

    private readonly List<SynapseServer> _extraNodes = [];
    private readonly List<SynapseProcess> _processes = [];

    /// <summary>The Redis server.</summary>
    public RedisServer Redis { get; private set; } = null!;

    /// <summary>The data folder every node shares (the database and the token-signing key).</summary>
    public string DataDirectory { get; } = SynapseServer.NewDataDirectory();

    /// <summary>The first node.</summary>
    public SynapseServer A { get; private set; } = null!;

    /// <summary>The second node.</summary>
    public SynapseServer B { get; private set; } = null!;

    /// <summary>The settings that make a node a member of this cluster.</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Synapse:Redis:ConnectionString"] = Redis.ConnectionString,
        ["Synapse:Redis:HeartbeatInterval"] = HeartbeatInterval.ToString("c"),
        ["Synapse:Redis:NodeTimeout"] = NodeTimeout.ToString("c"),
    };

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();

        // One after the other: the first creates the database and the signing key the second reuses.
        A = await SynapseServer.StartAsync(DataDirectory, Settings);
        B = await SynapseServer.StartAsync(DataDirectory, Settings);
    }

    /// <summary>Starts another in-process node of the cluster (stopped with the cluster unless the test stops it).</summary>
    public async Task<SynapseServer> StartNodeAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>(Settings);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        var node = await SynapseServer.StartAsync(DataDirectory, all);
        _extraNodes.Add(node);
        return node;
    }

    /// <summary>Starts a node of the cluster in a process of its own (which a test can kill).</summary>
    public async Task<SynapseProcess> StartProcessAsync()
    {
        var process = await SynapseProcess.StartAsync(DataDirectory, Settings);
        _processes.Add(process);
        return process;
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        foreach (var node in _extraNodes)
        {
            await node.DisposeAsync();
        }

        if (B is not null)
        {
            await B.DisposeAsync();
        }

        if (A is not null)
        {
            await A.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The cluster tests run one after the other on one cluster (each test registers its own users).</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<SynapseCluster>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "cluster";
}
