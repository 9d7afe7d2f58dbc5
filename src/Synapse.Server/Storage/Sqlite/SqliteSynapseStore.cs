using Microsoft.Data.Sqlite;

namespace Synapse.Server.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode (readers never wait for the writer), opened
/// per operation from the connection pool. Multi-statement writes run in <c>BEGIN IMMEDIATE</c>
/// transactions, so they take the write lock up front and cannot deadlock on upgrade.
/// </summary>
public sealed partial class SqliteSynapseStore : ISynapseStore
{
    private readonly SqliteDatabase _database;
    private readonly ILogger<SqliteSynapseStore> _logger;

    /// <summary>Creates the store over <paramref name="database"/>.</summary>
    public SqliteSynapseStore(SqliteDatabase database, ILogger<SqliteSynapseStore> logger)
    {
        _database = database;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Location => _database.FilePath;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_database.DataDirectory);
        await using var connection = await _database.OpenAsync(cancellationToken);

        // WAL is a property of the file: set once, it stays.
        await connection.Sql("PRAGMA journal_mode = WAL;").ExecuteAsync(cancellationToken);
        await connection.Sql("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER NOT NULL PRIMARY KEY,
                name       TEXT    NOT NULL,
                applied_at INTEGER NOT NULL
            );
            """).ExecuteAsync(cancellationToken);

        var current = Convert.ToInt32(
            await connection.Sql("SELECT COALESCE(MAX(version), 0) FROM schema_migrations;").ScalarAsync(cancellationToken),
            System.Globalization.CultureInfo.InvariantCulture);
        var latest = SqliteMigrations.All[^1].Version;
        if (current > latest)
        {
            throw new InvalidOperationException(
                $"The database {_database.FilePath} has schema version {current}, newer than this server knows ({latest}). Use a newer server.");
        }

        foreach (var migration in SqliteMigrations.All.Where(m => m.Version > current))
        {
            await using var transaction = connection.BeginTransaction();
            await connection.Sql(migration.Sql, transaction).ExecuteAsync(cancellationToken);
            await connection.Sql("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at);", transaction)
                .With("@version", migration.Version)
                .With("@name", migration.Name)
                .With("@at", DateTimeOffset.UtcNow)
                .ExecuteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            Log.MigrationApplied(_logger, migration.Version, migration.Name);
        }

        Log.SchemaReady(_logger, latest, _database.FilePath);
    }

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => _database.OpenAsync(cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Applied database migration {Version} ({Name}).")]
        public static partial void MigrationApplied(ILogger logger, int version, string name);

        [LoggerMessage(2, LogLevel.Debug, "Database schema at version {Version} in {Path}.")]
        public static partial void SchemaReady(ILogger logger, int version, string path);
    }
}
