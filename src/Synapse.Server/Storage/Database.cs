using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Synapse.Server.Storage;

/// <summary>The embedded SQLite database in the data directory, created on first run.</summary>
public sealed class Database
{
    public Database(IOptions<SynapseOptions> options)
    {
        DataDirectory = Path.GetFullPath(options.Value.DataDirectory);
        FilePath = Path.Combine(DataDirectory, "synapse.db");
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = FilePath, Pooling = true }.ToString();
    }

    public string DataDirectory { get; }

    public string FilePath { get; }

    public string ConnectionString { get; }

    /// <summary>Creates the data directory and the schema if they are missing.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(DataDirectory);
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // WAL keeps readers and the writer out of each other's way.
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
            INSERT INTO schema_version (version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM schema_version);
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
