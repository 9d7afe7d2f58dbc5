using Synapse.SocketIO.Fuzz.Fuzzing;
using Synapse.SocketIO.Protocol;
using Synapse.SocketIO.Protocol.MessagePack;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>
/// MessagePack data through <see cref="MessagePackSerializer.Deserialize(ReadOnlySpan{byte}, MessagePackDeserializerOptions?)"/>
/// (both value mappings) and <see cref="MessagePackReader.Skip"/>; what decodes must encode again
/// (as MessagePack and as JavaScript JSON), and that MessagePack must decode.
/// The documented error is <see cref="MessagePackException"/>.
/// </summary>
public sealed class MessagePackTarget : SyncFuzzTarget
{
    private static readonly MessagePackDeserializerOptions JsonCompatible = new() { JsonCompatible = true };

    /// <inheritdoc />
    public override string Name => "msgpack";

    /// <inheritdoc />
    public override string Description => "MessagePack decoding (MessagePackSerializer, MessagePackReader.Skip), then re-encoding what decoded (MessagePack and JavaScript JSON)";

    /// <inheritdoc />
    public override IReadOnlyList<byte[]> Seeds { get; } = BuildSeeds();

    /// <inheritdoc />
    public override IReadOnlyList<byte[]> Tokens { get; } =
    [
        [0xc0], [0xc1], [0xc2], [0xc3], [0x90], [0x80], [0xa0], [0xdc, 0xff, 0xff], [0xdd, 0x7f, 0xff, 0xff, 0xff], [0xde, 0xff, 0xff],
        [0xdf, 0xff, 0xff, 0xff, 0xff], [0xdb, 0xff, 0xff, 0xff, 0xff], [0xc6, 0x7f, 0xff, 0xff, 0xff], [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01],
        [0xd6, 0xff, 0, 0, 0, 0], [0xd7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xc7, 12, 0xff], [0xd7, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        [0xd4, 0x00, 0x00], [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0], [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0],
        [0xca, 0x7f, 0x80, 0, 0], [0x91, 0x91, 0x91, 0x91], [0x81, 0x81, 0x81], [0x81, 0xc0], [0x81, 0xcb], [0x81, 0x90],
    ];

    /// <inheritdoc />
    /// <remarks>
    /// Each input is decoded twice and re-encoded twice; the costliest linear shape is a chain of
    /// one-entry maps (2 bytes each, a dictionary of about 240 B each, decoded twice), about 450x.
    /// What the bound is for is amplification: sizes taken from declared lengths, or quadratic work.
    /// </remarks>
    public override long AllocationPerInputByte => 512;

    /// <inheritdoc />
    public override void Run(byte[] input)
    {
        try
        {
            var reader = new MessagePackReader(input);
            reader.Skip();
        }
        catch (MessagePackException)
        {
        }

        try
        {
            _ = MessagePackSerializer.Deserialize(input);
        }
        catch (MessagePackException)
        {
        }

        object? value;
        try
        {
            value = MessagePackSerializer.Deserialize(input, JsonCompatible);
        }
        catch (MessagePackException)
        {
            return;
        }

        // The Redis adapter re-publishes and re-emits what it decoded: both encodings must accept it.
        var encoded = MessagePackSerializer.Serialize(value);
        _ = JavaScriptJson.Stringify(value);
        // (Not necessarily to the same value: integral numbers beyond 2^63 are written as notepack does, lossily.)
        try
        {
            _ = MessagePackSerializer.Deserialize(encoded, JsonCompatible);
        }
        catch (MessagePackException ex)
        {
            throw new FuzzPropertyException($"a decoded value re-encodes to data that does not decode: {ex.Message}");
        }
    }

    private static byte[][] BuildSeeds()
    {
        object?[] values =
        [
            null, true, false, 0L, 1L, -1L, 127L, 128L, -32L, -33L, 255L, 256L, 65535L, 65536L, long.MaxValue, long.MinValue, ulong.MaxValue,
            1.5, -0.0, double.NaN, double.PositiveInfinity, 1e300, "", "hello", new string('x', 40), new string('y', 300), "\u00e9\ud83d\ude00",
            new byte[] { 1, 2, 3 }, new byte[300], new object?[] { 1L, "two", null, new object?[] { true } },
            new Dictionary<string, object?> { ["a"] = 1L, ["b"] = new Dictionary<string, object?> { ["c"] = new object?[] { } } },
            DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), new MessagePackExtension(5, [1, 2, 3]),
            new object?[]
            {
                "Abc123", new Dictionary<string, object?> { ["type"] = 2L, ["data"] = new object?[] { "event", 1L, new byte[] { 9 } }, ["nsp"] = "/" },
                new Dictionary<string, object?> { ["rooms"] = new object?[] { "room1" }, ["except"] = new object?[] { }, ["flags"] = new Dictionary<string, object?> { ["volatile"] = true, ["timeout"] = 5000L } },
            },
        ];
        var seeds = values.Select(v => MessagePackSerializer.Serialize(v)).ToList();
        seeds.Add([0xd7, 0x00, 0, 0, 1, 0x8b, 0xcf, 0xe5, 0x68, 0x00]); // notepack 2.x date
        seeds.Add([0xd4, 0x00, 0x00]); // notepack 2.x undefined
        seeds.Add([0xc7, 12, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00]); // timestamp 96
        return [.. seeds];
    }
}
