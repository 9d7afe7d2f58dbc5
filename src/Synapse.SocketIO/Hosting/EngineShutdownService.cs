using Microsoft.Extensions.Hosting;
using Synapse.SocketIO.Engine;

namespace Synapse.SocketIO.Hosting;

/// <summary>
/// Closes every session as soon as the application starts stopping, so that Kestrel's own
/// shutdown does not wait on long polls and WebSockets that would otherwise stay open.
/// </summary>
internal sealed class EngineShutdownService(EngineServer server, IHostApplicationLifetime lifetime) : IHostedService
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
