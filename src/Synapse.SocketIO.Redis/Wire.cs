using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Synapse.SocketIO.Adapters;
using Synapse.SocketIO.Protocol;
using Synapse.SocketIO.Protocol.MessagePack;

namespace Synapse.SocketIO.Redis;

/// <summary>
/// The shapes the Node adapters put on Redis, built from and read into plain values (the trees
/// <see cref="JavaScriptJson"/> and <see cref="MessagePackSerializer"/> read and write).
/// </summary>
internal static class Wire
{
    private const string UidAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    // The range DateTimeOffset can hold (years 1 to 9999); an "issued" beyond it reads as absent.
    private const long MinUnixMilliseconds = -62_135_596_800_000;
    private const long MaxUnixMilliseconds = 253_402_300_799_999;
    private const long MaxTimeoutMilliseconds = 922_337_203_685_477;

    /// <summary>Received messages: JSON-compatible values (timestamps as ISO text), depth bounded.</summary>
    public static readonly MessagePackDeserializerOptions Decoding = new() { JsonCompatible = true, MaxDepth = 128 };

    /// <summary>A random id from the URL-safe alphabet, as Node's <c>uid2(length)</c>.</summary>
    public static string UrlSafeId(int length)
    {
        Span<byte> bytes = stackalloc byte[length];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(length, bytes.ToArray(), static (chars, random) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = UidAlphabet[random[i] % 64];
            }
        });
    }

    /// <summary>8 random bytes as 16 lowercase hex characters, as socket.io-adapter's <c>randomId()</c>.</summary>
    public static string HexId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>Decodes a payload: JSON when it starts with <c>{</c>, MessagePack otherwise. Null when undecodable.</summary>
    public static Dictionary<string, object?>? DecodeMap(ReadOnlySpan<byte> payload)
    {
        try
        {
            var value = payload.Length > 0 && payload[0] == (byte)'{'
                ? JavaScriptJson.Parse(payload)
                : MessagePackSerializer.Deserialize(payload, Decoding);
            return value as Dictionary<string, object?>;
        }
        catch (Exception ex) when (ex is MessagePackException or JsonException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    public static Dictionary<string, object?>? Map(this Dictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var value) ? value as Dictionary<string, object?> : null;

    public static string? String(this Dictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var value) ? value as string : null;

    public static long? Integer(this Dictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var value) ? value switch
        {
            long number => number,
            double number when Math.Floor(number) == number && Math.Abs(number) < 9e15 => (long)number,
            _ => null,
        } : null;

    public static bool? Boolean(this Dictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var value) && value is bool flag ? flag : null;

    public static object?[]? Array(this Dictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var value) ? value as object?[] : null;

    /// <summary>A room name as text: rooms are strings, but Node applications may use numbers.</summary>
    public static string? RoomName(object? value) => value switch
    {
        string text => text,
        long number => number.ToString(CultureInfo.InvariantCulture),
        double number => System.Text.Encoding.UTF8.GetString(JavaScriptJson.Stringify(number)),
        _ => null,
    };

    public static HashSet<string> Rooms(object?[]? values)
    {
        var rooms = new HashSet<string>(StringComparer.Ordinal);
        if (values is not null)
        {
            foreach (var value in values)
            {
                if (RoomName(value) is { } room)
                {
                    rooms.Add(room);
                }
            }
        }

        return rooms;
    }

    /// <summary>Reads <c>opts</c> (<c>{rooms, except, flags}</c>) into broadcast options; unknown flags are ignored.</summary>
    public static BroadcastOptions ReadOptions(Dictionary<string, object?>? opts)
    {
        if (opts is null)
        {
            return BroadcastOptions.All;
        }

        var flags = BroadcastFlags.None;
        if (opts.Map("flags") is { } wireFlags)
        {
            flags = flags with
            {
                Volatile = wireFlags.Boolean("volatile") ?? false,
                Compress = wireFlags.Boolean("compress") ?? true,
                ExpectSingleResponse = wireFlags.Boolean("expectSingleResponse") ?? false,
                // Beyond what a TimeSpan holds (about 29,000 years) reads as no timeout.
                Timeout = wireFlags.Integer("timeout") is { } ms and >= 0 and <= MaxTimeoutMilliseconds ? TimeSpan.FromMilliseconds(ms) : null,
            };
        }

        return new BroadcastOptions
        {
            Rooms = Rooms(opts.Array("rooms")),
            Except = Rooms(opts.Array("except")),
            Flags = flags,
        };
    }

    /// <summary>Writes broadcast options as Node does: <c>{rooms, except, flags}</c>, or <c>{rooms, except}</c>.</summary>
    public static Dictionary<string, object?> WriteOptions(BroadcastOptions options, bool withFlags)
    {
        var opts = new Dictionary<string, object?>(3, StringComparer.Ordinal)
        {
            ["rooms"] = options.Rooms.ToArray(),
            ["except"] = options.Except.ToArray(),
        };
        if (withFlags)
        {
            opts["flags"] = WriteFlags(options.Flags);
        }

        return opts;
    }

    /// <summary>The flags that travel (<c>local</c> never does: a local operation publishes nothing).</summary>
    public static Dictionary<string, object?> WriteFlags(BroadcastFlags flags)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (flags.Volatile)
        {
            map["volatile"] = true;
        }

        if (!flags.Compress)
        {
            map["compress"] = false;
        }

        if (flags.ExpectSingleResponse)
        {
            map["expectSingleResponse"] = true;
        }

        if (flags.Timeout is { } timeout)
        {
            map["timeout"] = (long)timeout.TotalMilliseconds;
        }

        return map;
    }

    /// <summary>An event packet: <c>{type: 2, data: [event, ...args]}</c>, plus <c>nsp</c> for the classic adapter.</summary>
    public static Dictionary<string, object?> WritePacket(OutgoingPacket packet, string? nsp)
    {
        var map = new Dictionary<string, object?>(3, StringComparer.Ordinal)
        {
            ["type"] = packet.Type is Protocol.SocketIOPacketType.BinaryEvent ? (long)Protocol.SocketIOPacketType.Event : (long)packet.Type,
            ["data"] = packet.Data,
        };
        if (nsp is not null)
        {
            map["nsp"] = nsp;
        }

        return map;
    }

    /// <summary>Reads a packet's <c>data</c> (<c>[event, ...args]</c>) into an outgoing event for local clients.</summary>
    public static OutgoingPacket? ReadPacket(Dictionary<string, object?>? packet, string nsp)
    {
        if (packet?.Array("data") is not { Length: > 0 } data)
        {
            return null;
        }

        return new OutgoingPacket(Protocol.SocketIOPacketType.Event, nsp, data);
    }

    /// <summary>A socket as Node describes it in fetchSockets answers: <c>{id, handshake, rooms, data}</c>.</summary>
    public static Dictionary<string, object?> WriteSocket(RemoteSocket socket) => new(4, StringComparer.Ordinal)
    {
        ["id"] = socket.Id,
        ["handshake"] = WriteHandshake(socket.Handshake),
        ["rooms"] = socket.Rooms.ToArray(),
        ["data"] = socket.Data,
    };

    /// <summary>Node's handshake object (headers lower-cased, <c>time</c> as <c>Date.prototype.toString()</c>, <c>issued</c> in ms).</summary>
    public static Dictionary<string, object?> WriteHandshake(SocketHandshake handshake)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, values) in handshake.Headers)
        {
            headers[name.ToLowerInvariant()] = values.Count == 1 ? values[0] : values.ToArray();
        }

        var query = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, values) in handshake.Query)
        {
            query[name] = values.Count == 1 ? values[0] : values.ToArray();
        }

        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["headers"] = headers,
            ["time"] = JsDateString(handshake.Time),
            ["address"] = handshake.Address?.ToString(),
            ["xdomain"] = handshake.XDomain,
            ["secure"] = handshake.Secure,
            ["issued"] = handshake.Issued,
            ["url"] = handshake.Url,
            ["query"] = query,
            ["auth"] = handshake.Auth,
        };
    }

    /// <summary>Rebuilds a socket of another node from its description.</summary>
    public static RemoteSocket? ReadSocket(Namespace nsp, object? value)
    {
        if (value is not Dictionary<string, object?> socket || socket.String("id") is not { } id)
        {
            return null;
        }

        var handshake = socket.Map("handshake") ?? new Dictionary<string, object?>();
        var headers = new HeaderDictionary();
        if (handshake.Map("headers") is { } wireHeaders)
        {
            foreach (var (name, header) in wireHeaders)
            {
                headers[name] = ToStringValues(header);
            }
        }

        var query = new Dictionary<string, StringValues>(StringComparer.Ordinal);
        if (handshake.Map("query") is { } wireQuery)
        {
            foreach (var (name, item) in wireQuery)
            {
                query[name] = ToStringValues(item);
            }
        }

        var auth = handshake.TryGetValue("auth", out var authValue) && authValue is not null
            ? JsonDocument.Parse(JavaScriptJson.Stringify(authValue)).RootElement.Clone()
            : JsonDocument.Parse("{}").RootElement.Clone();
        var time = handshake.Integer("issued") is { } issued && issued >= MinUnixMilliseconds && issued <= MaxUnixMilliseconds
            ? DateTimeOffset.FromUnixTimeMilliseconds(issued)
            : DateTimeOffset.UnixEpoch;
        var rebuilt = new SocketHandshake(
            headers,
            new QueryCollection(query),
            auth,
            IPAddress.TryParse(handshake.String("address") ?? string.Empty, out var address) ? address : null,
            handshake.Boolean("secure") ?? false,
            time,
            handshake.String("url") ?? string.Empty,
            handshake.Boolean("xdomain") ?? false);
        var data = socket.Map("data") is { } map ? (IDictionary<string, object?>)map : new Dictionary<string, object?>(StringComparer.Ordinal);
        return new RemoteSocket(nsp, id, rebuilt, Rooms(socket.Array("rooms")), data);
    }

    /// <summary>JavaScript's <c>Date.prototype.toString()</c> in UTC: <c>Sat Nov 21 2026 21:43:06 GMT+0000 (Coordinated Universal Time)</c>.</summary>
    public static string JsDateString(DateTimeOffset time) =>
        time.UtcDateTime.ToString("ddd MMM dd yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " GMT+0000 (Coordinated Universal Time)";

    private static StringValues ToStringValues(object? value) => value switch
    {
        string text => text,
        object?[] items => new StringValues(items.Select(i => i?.ToString() ?? string.Empty).ToArray()),
        null => StringValues.Empty,
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };
}
