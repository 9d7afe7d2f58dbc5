using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Synapse.SocketIO.Redis;
using Synapse.SocketIO.Redis.Resp;

namespace Synapse.Server.Cluster;

/// <summary>A Lua script run atomically by Redis: by its SHA-1 (EVALSHA), sent whole once Redis says it does not know it.</summary>
public sealed class RedisScript(string source)
{
    private readonly string _sha1 = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(source)));

    /// <summary>Runs the script with its keys and arguments.</summary>
    /// <exception cref="RedisConnectionException">Redis is unreachable.</exception>
    /// <exception cref="RedisServerException">The script failed.</exception>
    public async Task<RespValue> EvaluateAsync(RedisConnection redis, IReadOnlyList<string> keys, IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        try
        {
            return await redis.ExecuteAsync(Command("EVALSHA", _sha1, keys, args), cancellationToken);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await redis.ExecuteAsync(Command("EVAL", source, keys, args), cancellationToken);
        }
    }

    private static string[] Command(string verb, string script, IReadOnlyList<string> keys, IReadOnlyList<string> args) =>
        [verb, script, keys.Count.ToString(CultureInfo.InvariantCulture), .. keys, .. args];
}
