using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Cluster;

/// <summary>
/// A Synapse cluster for tests: one real <c>redis-server</c>, one PostgreSQL database shared by
/// every node (and one token-signing key), and two nodes (<see cref="A"/> and <see cref="B"/>,
/// in-process, each on its own ephemeral port and data folder, with the Redis adapter). Tests may start more nodes (<see cref="StartNodeAsync"/>, <see cref="StartProcessAsync"/>).
/// Heartbeats are fast (every 250 ms, given up after 5 s: long enough that a live node on a loaded
/// machine is not given up) so that dead nodes are found quickly.
/// </summary>
public sealed class SynapseCluster : IAsyncLifetime
{
    /// <summary>How long a node's heartbeat lives without renewal.</summary>
    public static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How often nodes renew their heartbeat and sweep dead nodes.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(250);

    private readonly List<SynapseServer> _extraNodes = [];
    private readonly List<SynapseProcess> _processes = [];

    /// <summary>The Redis server.</summary>
    public RedisServer Redis { get; private set; } = null!;

    /// <summary>The PostgreSQL server.</summary>
    public PostgresServer Postgres { get; private set; } = null!;

    /// <summary>The connection string of the database every node shares.</summary>
    public string DatabaseConnectionString { get; private set; } = null!;

    /// <summary>The token-signing key every node shares (each accepts the others' access tokens).</summary>
    public string SigningKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>The first node.</summary>
    public SynapseServer A { get; private set; } = null!;

    /// <summary>The second node.</summary>
    public SynapseServer B { get; private set; } = null!;

    /// <summary>The settings that make a node a member of this cluster.</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Synapse:Storage:Provider"] = "Postgres",
        ["Synapse:Storage:ConnectionString"] = DatabaseConnectionString,
        ["Synapse:Auth:SigningKey"] = SigningKey,
        ["Synapse:Redis:ConnectionString"] = Redis.ConnectionString,
        ["Synapse:Redis:HeartbeatInterval"] = HeartbeatInterval.ToString("c"),
        ["Synapse:Redis:NodeTimeout"] = NodeTimeout.ToString("c"),
    };

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Postgres = await PostgresServer.StartAsync();
        DatabaseConnectionString = await Postgres.CreateDatabaseAsync("cluster");

        // One after the other: the first applies the database's migrations.
        A = await SynapseServer.StartAsync(settings: Settings);
        B = await SynapseServer.StartAsync(settings: Settings);
    }

    /// <summary>Starts another in-process node of the cluster (stopped with the cluster unless the test stops it).</summary>
    public async Task<SynapseServer> StartNodeAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>(Settings);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        var node = await SynapseServer.StartAsync(settings: all);
        _extraNodes.Add(node);
        return node;
    }

    /// <summary>Starts a node of the cluster in a process of its own (which a test can kill).</summary>
    public async Task<SynapseProcess> StartProcessAsync()
    {
        var process = await SynapseProcess.StartAsync(Settings);
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

        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
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
