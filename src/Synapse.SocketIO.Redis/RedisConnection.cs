using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Synapse.SocketIO.Redis.Resp;

namespace Synapse.SocketIO.Redis;

/// <summary>
/// A command connection to Redis for an application's own keys and scripts, beside the adapter
/// (which keeps its connections to itself): the adapter's RESP client, pipelined over one
/// connection that reconnects with backoff. While Redis is unreachable commands fail at once with
/// <see cref="RedisConnectionException"/>; an error reply throws <see cref="RedisServerException"/>.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly RedisClient _client;

    /// <summary>Starts connecting (in the background) to the Redis named by <paramref name="connectionString"/>.</summary>
    /// <param name="connectionString">As <see cref="RedisAdapterOptions.ConnectionString"/>.</param>
    /// <param name="logger">Where connection losses and recoveries are logged.</param>
    /// <exception cref="FormatException">The connection string cannot be understood.</exception>
    public RedisConnection(string connectionString, ILogger? logger = null)
    {
        Endpoint = RedisEndpoint.Parse(connectionString);
        _client = new RedisClient(new RedisClientOptions { Endpoint = Endpoint }, logger ?? NullLogger.Instance);
        _client.Start();
    }

    /// <summary>Where it connects.</summary>
    public RedisEndpoint Endpoint { get; }

    /// <summary>Whether the connection is up.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Waits until connected.</summary>
    /// <exception cref="TimeoutException">Redis could not be reached in time.</exception>
    public Task WaitConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _client.WaitConnectedAsync(timeout, cancellationToken);

    /// <summary>Runs a command (its name, then its arguments, as UTF-8 text) and returns the reply.</summary>
    public Task<RespValue> ExecuteAsync(IReadOnlyList<string> command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var args = new ReadOnlyMemory<byte>[command.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = Encoding.UTF8.GetBytes(command[i]);
        }

        return _client.ExecuteAsync(args, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _client.DisposeAsync();
}
