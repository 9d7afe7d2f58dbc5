namespace Synapse.Server.Storage;

/// <summary>
/// Where Synapse keeps its data: configuration section <c>Synapse:Storage</c>
/// (<c>Synapse__Storage__Provider</c> in the environment, <c>--Synapse:Storage:Provider</c> on the
/// command line). Nothing to set for the default, a SQLite file in <see cref="SynapseOptions.DataDirectory"/>.
/// </summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Synapse:Storage";

    /// <summary>The database: <c>Sqlite</c> (default) or <c>Postgres</c>.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>
    /// For <see cref="StorageProvider.Postgres"/>, required: an Npgsql connection string such as
    /// <c>Host=db;Database=synapse;Username=synapse;Password=…</c>. The database is created on first
    /// start when the user may create databases. Unused by SQLite, whose file lives in the data directory.
    /// </summary>
    public string? ConnectionString { get; set; }
}
