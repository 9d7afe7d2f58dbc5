namespace Synapse.Server.Storage;

/// <summary>The databases Synapse can keep its data in (<see cref="StorageOptions.Provider"/>).</summary>
public enum StorageProvider
{
    /// <summary>An embedded SQLite file in the data directory: no setup, one server process.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database, which several Synapse servers can share (scale-out).</summary>
    Postgres,
}
