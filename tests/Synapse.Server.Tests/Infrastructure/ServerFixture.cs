namespace Synapse.Server.Tests.Infrastructure;

/// <summary>One server shared by the tests of a class (each test registers its own users).</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private SynapseServer? _server;

    /// <summary>The server.</summary>
    public SynapseServer Server => _server ?? throw new InvalidOperationException("Not started.");

    /// <summary>The administrator: the first user registered on the server.</summary>
    public TestUser Admin { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _server = await SynapseServer.StartAsync();
        Admin = await _server.RegisterAsync("admin");
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
