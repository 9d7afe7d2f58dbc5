using Microsoft.Extensions.Options;

namespace Synapse.Server.Cluster;

/// <summary>
/// Synapse's Redis keys, all under <see cref="ClusterOptions.KeyPrefix"/>. Scripts build some keys
/// themselves from <see cref="Prefix"/>, so the layout assumes a standalone Redis (not Redis Cluster).
/// </summary>
public sealed class RedisKeys(IOptions<ClusterOptions> options)
{
    /// <summary>The prefix with its separator, e.g. <c>synapse:</c>.</summary>
    public string Prefix { get; } = options.Value.KeyPrefix + ":";

    /// <summary>SET of the nodes that registered and were not yet found dead.</summary>
    public string Nodes => Prefix + "nodes";

    /// <summary>A node's heartbeat (expires unless renewed).</summary>
    public string Node(string nodeId) => Prefix + "node:" + nodeId;

    /// <summary>SET of the users with connections on a node.</summary>
    public string NodeUsers(string nodeId) => Prefix + "node:" + nodeId + ":users";

    /// <summary>HASH node id → number of the user's connections on that node; absent when offline.</summary>
    public string Presence(string userId) => Prefix + "presence:" + userId;

    /// <summary>Counter of the user's presence transitions.</summary>
    public string PresenceVersion(string userId) => Prefix + "presence:" + userId + ":v";

    /// <summary>ZSET of a user's recent permits for a rate limit.</summary>
    public string RateLimit(string rule, string userId) => Prefix + "rate:" + rule + ":" + userId;

    /// <summary>HASH of a call in progress.</summary>
    public string Call(string callId) => Prefix + "call:" + callId;

    /// <summary>SET of the calls a user takes part in.</summary>
    public string UserCalls(string userId) => Prefix + "user:" + userId + ":calls";
}
