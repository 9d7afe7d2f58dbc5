using System.Data.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Synapse.Server.Storage;
using Synapse.Server.Storage.Postgres;
using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Storage;

/// <summary>The store contract against PostgreSQL (a real server, <see cref="PostgresFixture"/>), each test in its own database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreTests(PostgresFixture postgres) : StoreContractTests
{
    private string? _connectionString;

    private string ConnectionString => _connectionString ?? throw new InvalidOperationException("No database yet.");

    protected override string NowSql => "now()";

    protected override async Task PrepareDatabaseAsync() => _connectionString = await postgres.CreateDatabaseAsync("store");

    protected override (ISynapseStore Store, IAsyncDisposable Owner) CreateStore() => CreateStore(ConnectionString);

    protected override async Task<DbConnection> OpenConnectionAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    [Fact]
    public async Task A_missing_database_is_created_on_first_start()
    {
        var name = "created_" + Guid.NewGuid().ToString("N")[..8];
        var (store, owner) = CreateStore(postgres.Server.ConnectionString(name));
        await using (owner)
        {
            await store.InitializeAsync(CancellationToken.None);
            Assert.Equal($"PostgreSQL database {name} on 127.0.0.1:{postgres.Server.Port}", store.Location);
        }

        await using var connection = new NpgsqlConnection(postgres.Server.ConnectionString(name));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT MAX(version) FROM schema_migrations", connection);
        Assert.Equal(1, await command.ExecuteScalarAsync());
    }

    private static (ISynapseStore Store, IAsyncDisposable Owner) CreateStore(string connectionString)
    {
        var database = new PostgresDatabase(
            Options.Create(new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = connectionString }),
            NullLoggerFactory.Instance);
        return (new PostgresSynapseStore(database, NullLogger<PostgresSynapseStore>.Instance), database);
    }
}
