using System.Text;
using Microsoft.Extensions.Logging;

namespace Synapse.SocketIO.Redis.Resp;

/// <summary>
/// The command connection (publisher): pipelined commands over one reconnecting connection.
/// While Redis is unreachable, commands fail at once with <see cref="RedisConnectionException"/>
/// (nothing is queued for later: a broadcast published minutes late would be wrong).
/// </summary>
internal sealed class RedisClient(RedisClientOptions options, ILogger logger) : ResilientConnection(options, logger, "publisher")
{
    private static readonly ReadOnlyMemory<byte> Publish = "PUBLISH"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> SPublish = "SPUBLISH"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> PubSub = "PUBSUB"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> NumSub = "NUMSUB"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> ShardNumSub = "SHARDNUMSUB"u8.ToArray();

    /// <summary>
    /// Runs a command and returns its reply; an error reply throws <see cref="RedisServerException"/>.
    /// A command left unanswered for <see cref="RedisClientOptions.CommandTimeout"/> makes the
    /// connection count as dead: it is closed (failing its commands) and replaced.
    /// </summary>
    public async Task<RespValue> ExecuteAsync(ReadOnlyMemory<byte>[] args, CancellationToken cancellationToken = default)
    {
        var pending = GetConnection().ExecuteAsync(args);
        var reply = cancellationToken.CanBeCanceled ? await pending.WaitAsync(cancellationToken) : await pending;
        return reply.IsError ? throw new RedisServerException(reply.Text ?? "ERR") : reply;
    }

    /// <summary>Runs a command given as text arguments.</summary>
    public Task<RespValue> ExecuteAsync(params string[] args) =>
        ExecuteAsync(args.Select(a => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(a)).ToArray());

    /// <summary>PUBLISH (or SPUBLISH when <paramref name="sharded"/>); returns how many subscribers received it.</summary>
    public async Task<long> PublishAsync(ReadOnlyMemory<byte> channel, ReadOnlyMemory<byte> payload, bool sharded)
    {
        var reply = await ExecuteAsync([sharded ? SPublish : Publish, channel, payload]);
        return reply.Integer;
    }

    /// <summary>PUBSUB NUMSUB (or SHARDNUMSUB): how many connections subscribe to <paramref name="channel"/>.</summary>
    public async Task<long> SubscriberCountAsync(ReadOnlyMemory<byte> channel, bool sharded)
    {
        var reply = await ExecuteAsync([PubSub, sharded ? ShardNumSub : NumSub, channel]);
        if (reply is not { Kind: RespKind.Array, Items.Length: >= 2 })
        {
            throw new RedisServerException($"Unexpected PUBSUB reply: {reply}");
        }

        var count = reply.Items[1];
        return count.Kind == RespKind.Integer ? count.Integer : long.Parse(count.Text ?? "0", System.Globalization.CultureInfo.InvariantCulture);
    }
}
