namespace Synapse.Server.Auth;

/// <summary>Loads (or generates) the token-signing key at startup, so a bad key fails fast and the log says where it is.</summary>
internal sealed class SigningKeyInitializer(SigningKeyProvider keys) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = keys.Key;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
