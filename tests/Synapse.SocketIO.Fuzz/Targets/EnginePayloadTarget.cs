using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Fuzz.Fuzzing;
using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>
/// A long-polling POST body through <see cref="EnginePayloadDecoder"/> (record separators, packet
/// types, <c>b</c> + base64 binary), each message then through a connection's
/// <see cref="SocketIOPacketDecoder"/> and the argument binding, as the server does.
/// </summary>
public sealed class EnginePayloadTarget : SyncFuzzTarget
{
    private static readonly string[] Payloads =
    [
        "4hello", "2", "2probe", "3", "3probe", "5", "6", "1", "0", "4", "4\u00e9t\u00e9 \ud83d\ude00",
        "4hello\u001e4world\u001e2", "bAQIDBA==", "b", "bAA==", "4a\u001ebAQID\u001e4b",
        "40", "40/admin,{\"token\":\"x\"}", "42[\"event\",\"data\"]", "421[\"ack me\",{\"a\":1}]", "43/admin,1[\"answer\"]", "41",
        "451-[\"upload\",{\"_placeholder\":true,\"num\":0}]\u001ebAQIDBA==",
        "452-/admin,7[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]\u001ebAQ==\u001eb\u001e42[\"after\"]",
        "461-[{\"_placeholder\":true,\"num\":0}]\u001ebAA==",
        "4a\u001e", "\u001e", "x", "7", "b!!!", "bAQI", "bAQIDBA=", "b====",
    ];

    /// <inheritdoc />
    public override string Name => "engine-payload";

    /// <inheritdoc />
    public override string Description => "Engine.IO long-polling payloads: EnginePayloadDecoder, then the Socket.IO decoder and argument binding for each message";

    /// <inheritdoc />
    public override IReadOnlyList<byte[]> Seeds { get; } = Corpus.Utf8(Payloads);

    /// <inheritdoc />
    public override IReadOnlyList<byte[]> Tokens { get; } =
        [.. Corpus.Utf8("\u001e", "\u001e4", "\u001eb", "b", "4", "42", "45", "1-", "==", "=", "AQID", "/w==", "\u001e\u001e"), .. Corpus.SocketIOTokens];

    /// <inheritdoc />
    /// <remarks>Each argument is bound to seven types, each binding copying what it reads.</remarks>
    public override long AllocationPerInputByte => 128;

    /// <inheritdoc />
    public override void Run(byte[] input)
    {
        var decoder = new SocketIOPacketDecoder();
        ReadOnlySpan<byte> payload = input;
        var finished = false;
        var packets = 0;
        while (EnginePayloadDecoder.TryReadPacket(ref payload, ref finished, out var packet, out _))
        {
            if (++packets > input.Length + 1)
            {
                throw new FuzzPropertyException($"the payload decoder returned more packets ({packets}) than the payload has bytes");
            }

            if (packet.IsBinary && packet.Type != EnginePacketType.Message)
            {
                throw new FuzzPropertyException($"a binary packet of type {packet.Type}");
            }

            if (packet.Type is < EnginePacketType.Open or > EnginePacketType.Noop)
            {
                throw new FuzzPropertyException($"packet type {(int)packet.Type} is out of range");
            }

            if (packet.Type != EnginePacketType.Message)
            {
                continue;
            }

            var result = decoder.Decode(new EngineMessage(packet.IsBinary, packet.Data));
            if (result.IsCompleted)
            {
                PacketConsumer.Consume(result.Packet);
            }
            else if (result.IsFailed)
            {
                // The server closes the connection on the first invalid packet; the rest is never read.
                return;
            }
        }
    }
}
