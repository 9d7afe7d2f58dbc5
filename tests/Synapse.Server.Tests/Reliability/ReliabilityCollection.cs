namespace Synapse.Server.Tests.Reliability;

/// <summary>The reliability runs load the machine: one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ReliabilityCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Reliability";
}
