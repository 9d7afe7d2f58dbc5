namespace Synapse.Server.Storage;

/// <summary>
/// Everything Synapse persists. The contract speaks only in domain types and plain values, so that
/// each database implements it with the same meaning: <see cref="Sqlite.SqliteSynapseStore"/>, the
/// embedded default, and <see cref="Postgres.PostgresSynapseStore"/>, which several servers can share.
/// </summary>
public interface ISynapseStore : IUserStore, IRefreshTokenStore, IRoomStore, IMessageStore, INotificationStore
{
    /// <summary>Where the data lives, for the startup log (a path or a redacted connection string).</summary>
    string Location { get; }

    /// <summary>Creates the database if needed and applies pending schema migrations.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);
}
