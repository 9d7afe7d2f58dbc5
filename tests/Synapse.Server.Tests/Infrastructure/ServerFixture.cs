namespace Synapse.Server.Tests.Infrastructure;

/// <summary>
/// One server shared by the tests of a class (each test registers its own users), on the default
/// storage (SQLite in a temporary data folder). <see cref="PostgresServerFixture"/> runs it on PostgreSQL.
/// </summary>
public class ServerFixture : IAsyncLifetime
{
    private SynapseServer? _server;

    /// <summary>The server.</summary>
    public SynapseServer Server => _server ?? throw new InvalidOperationException("Not started.");

    /// <summary>The administrator: the first user registered on the server.</summary>
    public TestUser Admin { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _server = await SynapseServer.StartAsync(settings: await GetSettingsAsync());
        Admin = await _server.RegisterAsync("admin");
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Extra settings for the server (none: the defaults).</summary>
    protected virtual Task<IReadOnlyDictionary<string, string>?> GetSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>?>(null);
}

/// <summary>
/// The server of <see cref="ServerFixture"/> on PostgreSQL: a fresh database of the collection's
/// cluster. For the test classes of <see cref="PostgresCollection"/>.
/// </summary>
public sealed class PostgresServerFixture(PostgresFixture postgres) : ServerFixture
{
    /// <summary>The connection string of the server's database.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    /// <inheritdoc />
    protected override async Task<IReadOnlyDictionary<string, string>?> GetSettingsAsync()
    {
        var settings = await postgres.CreateServerSettingsAsync();
        ConnectionString = settings["Synapse:Storage:ConnectionString"];
        return settings;
    }
}
