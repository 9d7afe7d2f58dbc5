using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Synapse.Server.Storage.Sqlite;

/// <summary>
/// The SQLite database file in the data directory and how connections to it are opened. Disposing
/// it (the container does, at shutdown) closes pooled connections so the files are released.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    /// <summary>The database file's name inside the data directory.</summary>
    public const string FileName = "synapse.db";

    /// <summary>Resolves the file from <see cref="SynapseOptions.DataDirectory"/> (relative to the content root).</summary>
    public SqliteDatabase(IOptions<SynapseOptions> options, IHostEnvironment environment)
    {
        DataDirectory = options.Value.GetDataDirectoryPath(environment.ContentRootPath);
        FilePath = Path.Combine(DataDirectory, FileName);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            ForeignKeys = true,

            // Seconds a command waits for another connection's write lock before failing.
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The absolute data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>The absolute database file path.</summary>
    public string FilePath { get; }

    /// <summary>The connection string.</summary>
    public string ConnectionString { get; }

    /// <summary>Opens a (pooled) connection ready for use.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);

            // Per connection: in WAL mode, FULL syncs the log on every commit, so a write that
            // returned survives a power loss too, not only a process crash. A message is acked and
            // broadcast only after its commit returned.
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous = FULL;";
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Closes pooled connections, so the files are released (at shutdown).</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(ConnectionString);
        SqliteConnection.ClearPool(connection);
    }
}
