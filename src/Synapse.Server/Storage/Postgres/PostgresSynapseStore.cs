using Npgsql;

namespace Synapse.Server.Storage.Postgres;

/// <summary>
/// The shared store: a PostgreSQL database that several Synapse servers may use at once, opened per
/// operation from the pool. It keeps the SQLite store's semantics under concurrency from other
/// nodes: unique constraints with <c>ON CONFLICT</c> for idempotent writes, row locks
/// (<c>FOR UPDATE</c>) where a read decides a write, and transaction-scoped advisory locks
/// (<see cref="PostgresLock"/>) where SQLite's single writer was the only guard.
/// </summary>
public sealed partial class PostgresSynapseStore : ISynapseStore
{
    private readonly PostgresDatabase _database;
    private readonly ILogger<PostgresSynapseStore> _logger;

    /// <summary>Creates the store over <paramref name="database"/>.</summary>
    public PostgresSynapseStore(PostgresDatabase database, ILogger<PostgresSynapseStore> logger)
    {
        _database = database;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Location => _database.Location;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _database.EnsureCreatedAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        var latest = PostgresMigrations.All[^1].Version;

        // One migration per transaction, each under the migrations lock and after re-reading the
        // version: servers starting together wait for each other and apply every migration once.
        // PostgreSQL's DDL is transactional, so a failed migration leaves nothing half done.
        while (true)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.LockAsync(transaction, PostgresLock.Migrations, cancellationToken);
            await connection.Sql("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer     NOT NULL PRIMARY KEY,
                    name       text        NOT NULL,
                    applied_at timestamptz NOT NULL
                );
                """, transaction).ExecuteAsync(cancellationToken);
            var current = (int)(await connection.Sql("SELECT COALESCE(MAX(version), 0) FROM schema_migrations;", transaction)
                .ScalarAsync(cancellationToken))!;
            if (current > latest)
            {
                throw new InvalidOperationException(
                    $"The {_database.Location} has schema version {current}, newer than this server knows ({latest}). Use a newer server.");
            }

            var migration = PostgresMigrations.All.FirstOrDefault(m => m.Version > current);
            if (migration is null)
            {
                await transaction.CommitAsync(cancellationToken);
                break;
            }

            await connection.Sql(migration.Sql, transaction).ExecuteAsync(cancellationToken);
            await connection.Sql("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at);", transaction)
                .With("@version", migration.Version)
                .With("@name", migration.Name)
                .With("@at", DateTimeOffset.UtcNow)
                .ExecuteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            Log.MigrationApplied(_logger, migration.Version, migration.Name);
        }

        Log.SchemaReady(_logger, latest, _database.Location);
    }

    private Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => _database.OpenAsync(cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Applied database migration {Version} ({Name}).")]
        public static partial void MigrationApplied(ILogger logger, int version, string name);

        [LoggerMessage(2, LogLevel.Debug, "Database schema at version {Version} in {Location}.")]
        public static partial void SchemaReady(ILogger logger, int version, string location);
    }
}
