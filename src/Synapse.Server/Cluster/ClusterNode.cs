using System.Security.Cryptography;

namespace Synapse.Server.Cluster;

/// <summary>This process as a member of the cluster: a fresh id per start, so a restarted node never inherits a dead one's state.</summary>
public sealed class ClusterNode
{
    /// <summary>The node's id: the machine name and random hex.</summary>
    public string Id { get; } = $"{Environment.MachineName}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
}
