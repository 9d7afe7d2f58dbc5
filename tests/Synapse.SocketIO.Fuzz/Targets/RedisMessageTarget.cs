using System.Text.Json;
using Microsoft.Extensions.Options;
using Synapse.SocketIO.Fuzz.Fuzzing;
using Synapse.SocketIO.Protocol;
using Synapse.SocketIO.Protocol.MessagePack;
using Synapse.SocketIO.Redis;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>
/// A pub/sub payload as the Redis adapters read it: the broadcast form (MessagePack
/// <c>[uid, packet, opts]</c>) and the request/response form (JSON or MessagePack maps) through
/// <c>Wire</c>: options, packets, rooms, and the socket descriptions of fetchSockets answers.
/// A payload the adapter cannot use is dropped (null), never an exception.
/// </summary>
public sealed class RedisMessageTarget : SyncFuzzTarget
{
    private readonly Namespace _namespace = new SocketIOServer(Options.Create(new SocketIOOptions())).Of("/");

    /// <inheritdoc />
    public override string Name => "redis-message";

    /// <inheritdoc />
    public override string Description => "Redis adapter messages (broadcasts, requests, responses; JSON and MessagePack) through Wire's readers";

    /// <inheritdoc />
    public override IReadOnlyList<byte[]> Seeds { get; } = BuildSeeds();

    /// <inheritdoc />
    public override IReadOnlyList<byte[]> Tokens { get; } =
    [
        .. Corpus.Utf8("\"opts\":", "\"rooms\":", "\"except\":", "\"flags\":", "\"timeout\":", "\"sockets\":", "\"handshake\":", "\"issued\":", "\"auth\":",
            "\"headers\":", "\"query\":", "\"data\":", "\"type\":", "\"requestId\":", "\"packet\":", "\"address\":", "1e300", "-9007199254740993",
            "99999999999999999", "[[[[[[[[[[[[[[[[", "{\"a\":{\"a\":{\"a\":{\"a\":", "null", "true"),
        [0xa6, .. "issued"u8], [0xa4, .. "auth"u8], [0xa5, .. "rooms"u8], [0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0],
        [0x91, 0x91, 0x91, 0x91], [0x81, 0xa1, 0x61, 0x81, 0xa1, 0x61], [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0],
    ];

    /// <inheritdoc />
    /// <remarks>
    /// Each input is decoded twice, and every socket description (a few bytes at least) becomes a
    /// RemoteSocket with its handshake, headers, query and auth document: about 300x at worst.
    /// </remarks>
    public override long AllocationPerInputByte => 512;

    /// <inheritdoc />
    public override void Run(byte[] input)
    {
        ReadBroadcast(input);
        if (Wire.DecodeMap(input) is not { } message)
        {
            return;
        }

        _ = message.String("requestId");
        _ = message.String("uid");
        _ = message.Integer("type");
        _ = message.Boolean("close");
        _ = Wire.RoomName(message.GetValueOrDefault("room"));
        _ = Wire.Rooms(message.Array("rooms"));
        _ = Wire.ReadOptions(message.Map("opts"));
        _ = Wire.ReadPacket(message.Map("packet"), "/");
        if (message.Map("data") is { } data)
        {
            _ = Wire.ReadOptions(data.Map("opts"));
            _ = Wire.ReadPacket(data.Map("packet"), "/");
        }

        foreach (var item in message.Array("sockets") ?? [])
        {
            _ = Wire.ReadSocket(_namespace, item);
        }
    }

    private static void ReadBroadcast(byte[] input)
    {
        object? decoded;
        try
        {
            decoded = MessagePackSerializer.Deserialize(input, Wire.Decoding);
        }
        catch (MessagePackException)
        {
            return;
        }

        if (decoded is object?[] { Length: >= 3 } parts && parts[1] is Dictionary<string, object?> packet && parts[2] is Dictionary<string, object?> opts)
        {
            _ = Wire.ReadPacket(packet, packet.String("nsp") ?? "/");
            _ = Wire.ReadOptions(opts);
        }
    }

    private static byte[][] BuildSeeds()
    {
        var opts = new Dictionary<string, object?>
        {
            ["rooms"] = new object?[] { "room1", 42L },
            ["except"] = new object?[] { "x" },
            ["flags"] = new Dictionary<string, object?> { ["volatile"] = true, ["compress"] = false, ["timeout"] = 5000L, ["expectSingleResponse"] = true },
        };
        var packet = new Dictionary<string, object?> { ["type"] = 2L, ["data"] = new object?[] { "event", 1L, new byte[] { 1, 2 }, new Dictionary<string, object?> { ["a"] = null } }, ["nsp"] = "/" };
        var socket = new Dictionary<string, object?>
        {
            ["id"] = "AbCdEf0123456789AAAA",
            ["handshake"] = new Dictionary<string, object?>
            {
                ["headers"] = new Dictionary<string, object?> { ["host"] = "localhost", ["accept"] = new object?[] { "a", "b" } },
                ["time"] = "Sat Nov 21 2026 21:43:06 GMT+0000 (Coordinated Universal Time)",
                ["address"] = "127.0.0.1",
                ["xdomain"] = false,
                ["secure"] = false,
                ["issued"] = 1_763_761_386_000L,
                ["url"] = "/socket.io/?EIO=4&transport=websocket",
                ["query"] = new Dictionary<string, object?> { ["EIO"] = "4", ["x"] = new object?[] { "1", "2" } },
                ["auth"] = new Dictionary<string, object?> { ["token"] = "abc", ["n"] = new object?[] { 1L, 2.5 } },
            },
            ["rooms"] = new object?[] { "AbCdEf0123456789AAAA", "room1" },
            ["data"] = new Dictionary<string, object?> { ["user"] = "alice" },
        };
        object?[] messages =
        [
            new object?[] { "uid123", packet, opts },
            new Dictionary<string, object?> { ["uid"] = "uid123", ["type"] = 7L, ["requestId"] = "req1", ["packet"] = packet, ["opts"] = opts },
            new Dictionary<string, object?> { ["uid"] = "uid123", ["type"] = 2L, ["opts"] = opts, ["rooms"] = new object?[] { "r" } },
            new Dictionary<string, object?> { ["uid"] = "uid123", ["type"] = 4L, ["opts"] = opts, ["close"] = true },
            new Dictionary<string, object?> { ["uid"] = "uid123", ["type"] = 5L, ["requestId"] = "req2", ["opts"] = opts },
            new Dictionary<string, object?> { ["requestId"] = "req2", ["sockets"] = new object?[] { socket, socket } },
            new Dictionary<string, object?> { ["requestId"] = "req3", ["rooms"] = new object?[] { "a", "b" } },
            new Dictionary<string, object?> { ["uid"] = "uid123", ["type"] = 6L, ["data"] = new object?[] { "hello", 1L }, ["requestId"] = "req4" },
            new Dictionary<string, object?> { ["type"] = 8L, ["requestId"] = "req1", ["clientCount"] = 3L },
            new Dictionary<string, object?> { ["type"] = 2L, ["data"] = new Dictionary<string, object?> { ["opts"] = opts, ["packet"] = packet, ["requestId"] = "x" } },
        ];
        var seeds = new List<byte[]>();
        foreach (var message in messages)
        {
            seeds.Add(MessagePackSerializer.Serialize(message));
            if (message is Dictionary<string, object?>)
            {
                seeds.Add(JavaScriptJson.Stringify(message));
            }
        }

        return [.. seeds];
    }
}
