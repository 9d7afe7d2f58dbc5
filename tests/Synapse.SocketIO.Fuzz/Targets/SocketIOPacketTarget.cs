using Synapse.SocketIO.Fuzz.Fuzzing;
using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>
/// A sequence of Engine.IO messages through one connection's <see cref="SocketIOPacketDecoder"/>:
/// text packets, binary packets and the attachments that complete them (or arrive out of turn),
/// then the argument binding of each completed packet. Input format: messages separated by 0x1E;
/// a message starting with 0x00 is binary (the rest of it), any other is text.
/// </summary>
public sealed class SocketIOPacketTarget : SyncFuzzTarget
{
    /// <inheritdoc />
    public override string Name => "socketio-packet";

    /// <inheritdoc />
    public override string Description => "Socket.IO packets (text form, namespaces, ack ids, JSON payloads) and binary attachment reassembly through SocketIOPacketDecoder, then argument binding";

    /// <inheritdoc />
    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        .. Corpus.Utf8(Corpus.SocketIOTexts),
        Corpus.Utf8("51-[\"upload\",{\"_placeholder\":true,\"num\":0}]\u001e\u0000\u0001\u0002\u0003"),
        Corpus.Utf8("52-/admin,7[\"two\",{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":0}]\u001e\u0000a\u001e\u0000bc\u001e2[\"next\"]"),
        Corpus.Utf8("61-/admin,3[{\"_placeholder\":true,\"num\":0}]\u001e\u0000\u001e3/admin,4[1]"),
        Corpus.Utf8("\u0000stray\u001e2[\"x\"]"),
        Corpus.Utf8("51-[\"x\",{\"_placeholder\":true,\"num\":0}]\u001e2[\"text while waiting\"]"),
    ];

    /// <inheritdoc />
    public override IReadOnlyList<byte[]> Tokens { get; } = [.. Corpus.SocketIOTokens, .. Corpus.Utf8("\u001e", "\u001e\u0000", "\u001e5", "\u001e2")];

    /// <inheritdoc />
    /// <remarks>Each argument is bound to seven types, each binding copying what it reads.</remarks>
    public override long AllocationPerInputByte => 128;

    /// <inheritdoc />
    public override void Run(byte[] input)
    {
        var decoder = new SocketIOPacketDecoder();
        var rest = input.AsMemory();
        while (true)
        {
            var end = rest.Span.IndexOf((byte)0x1E);
            var message = end < 0 ? rest : rest[..end];
            var result = message.Length > 0 && message.Span[0] == 0
                ? decoder.DecodeBinary(message[1..].ToArray())
                : decoder.DecodeText(message);
            if (result.IsCompleted)
            {
                Check(result.Packet);
                PacketConsumer.Consume(result.Packet);
            }
            else if (result.IsFailed)
            {
                if (decoder.IsAwaitingAttachments)
                {
                    throw new FuzzPropertyException("the decoder still awaits attachments after a failure");
                }

                // The server closes the connection on the first invalid packet; the rest is never read.
                return;
            }

            if (end < 0)
            {
                break;
            }

            rest = rest[(end + 1)..];
        }
    }

    private static void Check(SocketIOPacket packet)
    {
        var binary = packet.Type is SocketIOPacketType.BinaryEvent or SocketIOPacketType.BinaryAck;
        if (!binary && packet.Attachments.Count != 0)
        {
            throw new FuzzPropertyException($"a {packet.Type} packet with {packet.Attachments.Count} attachments");
        }

        if (packet.Namespace.Length == 0)
        {
            throw new FuzzPropertyException("a packet with an empty namespace");
        }
    }
}
