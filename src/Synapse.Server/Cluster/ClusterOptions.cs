namespace Synapse.Server.Cluster;

/// <summary>
/// Running several Synapse nodes as one cluster through Redis: configuration section
/// <c>Synapse:Redis</c> (<c>Synapse__Redis__ConnectionString</c> in the environment). Without a
/// connection string the server is a single node and keeps everything in memory.
/// </summary>
public sealed class ClusterOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Synapse:Redis";

    /// <summary>
    /// Where Redis is (<c>host:port</c>, <c>host:port,password=...</c> or <c>redis://user:password@host:port</c>).
    /// Set: the Socket.IO Redis adapter joins the nodes, and presence, rate limits and calls live in
    /// Redis. Empty (the default): one node, all in memory.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The prefix of Synapse's own Redis keys (the adapter's channels use <c>socket.io</c>). Default <c>synapse</c>.</summary>
    public string KeyPrefix { get; set; } = "synapse";

    /// <summary>How often a node renews its heartbeat and looks for nodes that stopped renewing theirs. Default 2 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a node's heartbeat lives without renewal. A node that dies without shutting down is
    /// noticed by the others after this, and its users go offline at most
    /// <see cref="NodeTimeout"/> + <see cref="HeartbeatInterval"/> after its last heartbeat. Default 10 s.
    /// </summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether Redis is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);
}
