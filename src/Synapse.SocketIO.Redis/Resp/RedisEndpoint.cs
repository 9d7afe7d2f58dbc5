using System.Globalization;

namespace Synapse.SocketIO.Redis.Resp;

/// <summary>
/// Where and how to connect, parsed from a connection string: either a URI,
/// <c>redis://[user:password@]host[:port]</c> (<c>rediss://</c> for TLS), or the
/// StackExchange.Redis style <c>host[:port][,password=...][,user=...][,ssl=true][,name=...][,connectTimeout=ms]</c>.
/// </summary>
public sealed record RedisEndpoint
{
    /// <summary>The host name or address.</summary>
    public string Host { get; init; } = "localhost";

    /// <summary>The port. Default 6379.</summary>
    public int Port { get; init; } = 6379;

    /// <summary>The ACL user (Redis 6+), or null for the default user.</summary>
    public string? User { get; init; }

    /// <summary>The password (AUTH), or null.</summary>
    public string? Password { get; init; }

    /// <summary>Whether to use TLS.</summary>
    public bool Ssl { get; init; }

    /// <summary>The client name shown by CLIENT LIST, or null.</summary>
    public string? ClientName { get; init; }

    /// <summary>How long connecting (TCP, TLS and AUTH) may take. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Parses a connection string.</summary>
    /// <exception cref="FormatException">The string cannot be understood.</exception>
    public static RedisEndpoint Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        connectionString = connectionString.Trim();
        if (connectionString.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) ||
            connectionString.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            var uri = new Uri(connectionString);
            string? user = null;
            string? password = null;
            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                var parts = uri.UserInfo.Split(':', 2);
                if (parts.Length == 2)
                {
                    user = parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null;
                    password = Uri.UnescapeDataString(parts[1]);
                }
                else
                {
                    password = Uri.UnescapeDataString(parts[0]);
                }
            }

            return new RedisEndpoint
            {
                Host = uri.Host,
                Port = uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port,
                User = user,
                Password = password,
                Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase),
            };
        }

        var endpoint = new RedisEndpoint();
        var first = true;
        foreach (var rawPart in connectionString.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = rawPart.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                if (!first)
                {
                    throw new FormatException($"Only one Redis endpoint is supported: '{rawPart}'.");
                }

                first = false;
                endpoint = ParseHostPort(rawPart, endpoint);
                continue;
            }

            var key = rawPart[..equals].Trim();
            var value = rawPart[(equals + 1)..].Trim();
            endpoint = key.ToLowerInvariant() switch
            {
                "password" => endpoint with { Password = value },
                "user" => endpoint with { User = value },
                "ssl" => endpoint with { Ssl = bool.Parse(value) },
                "name" => endpoint with { ClientName = value },
                "connecttimeout" => endpoint with { ConnectTimeout = TimeSpan.FromMilliseconds(int.Parse(value, CultureInfo.InvariantCulture)) },
                // Options of other clients that do not apply here are accepted and ignored.
                "abortconnect" or "allowadmin" or "defaultdatabase" or "synctimeout" or "asynctimeout" or "keepalive" or "connectretry" => endpoint,
                _ => throw new FormatException($"Unknown Redis connection option '{key}'."),
            };
        }

        if (first)
        {
            throw new FormatException("The Redis connection string names no endpoint.");
        }

        return endpoint;
    }

    /// <inheritdoc />
    public override string ToString() => $"{(Ssl ? "rediss" : "redis")}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    private static RedisEndpoint ParseHostPort(string text, RedisEndpoint endpoint)
    {
        // [::1]:6379, ::1 (no port), host:6379, host
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"Invalid Redis endpoint '{text}'.");
            }

            var host = text[1..close];
            var rest = text[(close + 1)..];
            return endpoint with { Host = host, Port = rest.StartsWith(':') ? ParsePort(rest[1..]) : 6379 };
        }

        var colon = text.LastIndexOf(':');
        if (colon > 0 && text.IndexOf(':', StringComparison.Ordinal) == colon)
        {
            return endpoint with { Host = text[..colon], Port = ParsePort(text[(colon + 1)..]) };
        }

        return endpoint with { Host = text };
    }

    private static int ParsePort(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new FormatException($"Invalid Redis port '{text}'.");
}
