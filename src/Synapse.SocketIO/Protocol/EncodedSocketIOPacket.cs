using System.Text;
using Synapse.SocketIO.Engine;

namespace Synapse.SocketIO.Protocol;

/// <summary>
/// A packet encoded once, ready to be queued to any number of connections: an Engine.IO text message,
/// then one Engine.IO binary message per attachment. Immutable.
/// </summary>
public sealed class EncodedSocketIOPacket
{
    internal EncodedSocketIOPacket(SocketIOPacketType type, byte[] text, ReadOnlyMemory<byte>[] attachments)
    {
        Type = type;
        Text = text;
        Attachments = attachments;
        var packets = new EnginePacket[1 + attachments.Length];
        packets[0] = EnginePacket.FromEncodedTextMessage(text);
        for (int i = 0; i < attachments.Length; i++)
        {
            packets[i + 1] = EnginePacket.BinaryMessage(attachments[i]);
        }

        EnginePackets = packets;
    }

    /// <summary>The type written, <see cref="SocketIOPacketType.BinaryEvent"/> or <see cref="SocketIOPacketType.BinaryAck"/> when there are attachments.</summary>
    public SocketIOPacketType Type { get; }

    /// <summary>The Engine.IO text message, including its leading <c>4</c>: <c>42["hello",1]</c>.</summary>
    public ReadOnlyMemory<byte> Text { get; }

    /// <summary>
    /// The binary attachments in placeholder order. They are the caller's memory, not copies: it must
    /// not change while the packet may still be queued.
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Attachments { get; }

    /// <summary>What to send, in order: the text message, then each attachment as a binary message.</summary>
    public IReadOnlyList<EnginePacket> EnginePackets { get; }

    /// <summary>The text message as a string, for logs and tests.</summary>
    public override string ToString() => Encoding.UTF8.GetString(Text.Span);
}
