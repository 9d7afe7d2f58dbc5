namespace Synapse.Server.Storage;

/// <summary>
/// Everything Synapse persists. The contract speaks only in domain types and plain values so that
/// another database (PostgreSQL for scale-out) can implement it; <see cref="Sqlite.SqliteSynapseStore"/>
/// is the embedded default.
/// </summary>
public interface ISynapseStore : IUserStore, IRefreshTokenStore, IRoomStore, IMessageStore, INotificationStore
{
    /// <summary>Where the data lives, for the startup log (a path or a redacted connection string).</summary>
    string Location { get; }

    /// <summary>Creates the database if needed and applies pending schema migrations.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);
}
