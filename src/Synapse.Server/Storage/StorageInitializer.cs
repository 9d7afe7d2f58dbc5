using Synapse.Server.Storage.Sqlite;

namespace Synapse.Server.Storage;

/// <summary>
/// Prepares the store when the application starts (hosted services start before Kestrel accepts
/// requests), and releases the SQLite files when it stops.
/// </summary>
internal sealed class StorageInitializer(ISynapseStore store, SqliteDatabase database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken)
    {
        database.ReleaseConnections();
        return Task.CompletedTask;
    }
}
