namespace Synapse.Server.Realtime;

/// <summary>
/// At shutdown, after Socket.IO closed every connection (its shutdown service stops first), waits
/// for their disconnect clean-ups (presence, calls, offline announcements) to finish while Redis
/// and the adapter are still open.
/// </summary>
internal sealed class RealtimeShutdownService(RealtimeGateway gateway) : IHostedService
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => gateway.DrainAsync(DrainTimeout, cancellationToken);
}
