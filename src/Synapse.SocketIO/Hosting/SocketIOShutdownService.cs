using Microsoft.Extensions.Hosting;

namespace Synapse.SocketIO.Hosting;

/// <summary>
/// Closes every connection as soon as the application starts stopping ("server shutting down"),
/// so that Kestrel's shutdown does not wait on long polls and WebSockets.
/// </summary>
internal sealed class SocketIOShutdownService(SocketIOServer server, IHostApplicationLifetime lifetime) : IHostedService
{
    private CancellationTokenRegistration _registration;
    private Task _closing = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(() => _closing = server.CloseAsync(TimeSpan.FromSeconds(5)));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _registration.DisposeAsync();
        await _closing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
