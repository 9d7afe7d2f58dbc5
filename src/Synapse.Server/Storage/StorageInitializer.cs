namespace Synapse.Server.Storage;

/// <summary>
/// Prepares the store when the application starts (hosted services start before Kestrel accepts
/// requests): creates the database if needed and applies pending migrations. Connections are
/// released when the container disposes the database objects.
/// </summary>
internal sealed class StorageInitializer(ISynapseStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
