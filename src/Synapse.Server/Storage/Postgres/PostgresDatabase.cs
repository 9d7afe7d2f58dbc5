using Microsoft.Extensions.Options;
using Npgsql;

namespace Synapse.Server.Storage.Postgres;

/// <summary>
/// The PostgreSQL database named by <see cref="StorageOptions.ConnectionString"/> and its connection
/// pool (an <see cref="NpgsqlDataSource"/>, disposed with the container at shutdown).
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    /// <summary>The database PostgreSQL always has, used to create ours when it is missing.</summary>
    private const string MaintenanceDatabase = "postgres";

    private readonly NpgsqlConnectionStringBuilder _settings;

    /// <summary>Builds the pool from <paramref name="options"/>; nothing connects until first use.</summary>
    public PostgresDatabase(IOptions<StorageOptions> options, ILoggerFactory loggerFactory)
    {
        var connectionString = options.Value.ConnectionString;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("Synapse:Storage:ConnectionString is required when Synapse:Storage:Provider is Postgres.");
        }

        _settings = new NpgsqlConnectionStringBuilder(connectionString);

        // Npgsql's default when none is given: the database named after the user.
        DatabaseName = _settings.Database ?? _settings.Username ?? throw new InvalidOperationException(
            "Synapse:Storage:ConnectionString names neither a Database nor a Username.");
        var port = _settings.Port == 0 ? NpgsqlConnection.DefaultPort : _settings.Port;
        Location = $"PostgreSQL database {DatabaseName} on {_settings.Host}:{port}";
        DataSource = new NpgsqlDataSourceBuilder(connectionString).UseLoggerFactory(loggerFactory).Build();
    }

    /// <summary>The database's name.</summary>
    public string DatabaseName { get; }

    /// <summary>Database, host and port, for logs: never the password.</summary>
    public string Location { get; }

    /// <summary>The connection pool.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Opens a (pooled) connection.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        await DataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>
    /// Creates the database when it does not exist yet, as SQLite creates its file on first run.
    /// Needs the CREATEDB privilege only then; a database created by an administrator is used as is.
    /// </summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var probe = await OpenAsync(cancellationToken);
            return;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            // The database does not exist: create it below.
        }

        var maintenance = new NpgsqlConnectionStringBuilder(_settings.ConnectionString)
        {
            Database = MaintenanceDatabase,
            Pooling = false,
        };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        try
        {
            await connection.Sql($"CREATE DATABASE {QuoteIdentifier(DatabaseName)};").ExecuteAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another server sharing the database created it at the same moment.
        }
    }

    /// <summary>Quotes a name for SQL (<c>"a""b"</c>).</summary>
    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <inheritdoc />
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
