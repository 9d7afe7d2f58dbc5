namespace Synapse.SocketIO.Redis.Tests.Infrastructure;

/// <summary>One Redis server shared by the tests of the "redis" collection (they run one after the other).</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}

/// <summary>Unique channel prefixes, so that tests sharing a Redis server never hear each other.</summary>
internal static class TestKeys
{
    private static int s_counter;

    public static string Next(string name) => $"t{Interlocked.Increment(ref s_counter)}-{name}";
}
