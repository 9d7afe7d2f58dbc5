using System.Buffers;
using System.Buffers.Text;

namespace Synapse.SocketIO.Engine;

/// <summary>Decodes long-polling payloads: packets separated by the record separator (0x1E).</summary>
internal static class EnginePayloadDecoder
{
    public const byte RecordSeparator = 0x1E;

    /// <summary>A decoded packet; <paramref name="Data"/> is a fresh copy the receiver owns.</summary>
    public readonly record struct Packet(EnginePacketType Type, ReadOnlyMemory<byte> Data, bool IsBinary);

    /// <summary>
    /// Decodes the next packet of <paramref name="payload"/> and advances past it; false at the end,
    /// or with <paramref name="error"/> set when the packet is malformed. As in Node, the packets
    /// before a malformed one are delivered (an empty packet after a trailing separator included).
    /// </summary>
    /// <param name="payload">What is left to read.</param>
    /// <param name="finished">Starts false; set once the last packet was read.</param>
    /// <param name="packet">The packet read.</param>
    /// <param name="error">Whether the packet was malformed.</param>
    public static bool TryReadPacket(ref ReadOnlySpan<byte> payload, ref bool finished, out Packet packet, out bool error)
    {
        packet = default;
        error = false;
        if (finished)
        {
            return false;
        }

        var end = payload.IndexOf(RecordSeparator);
        ReadOnlySpan<byte> encoded;
        if (end < 0)
        {
            encoded = payload;
            payload = default;
            finished = true;
        }
        else
        {
            encoded = payload[..end];
            payload = payload[(end + 1)..];
        }

        if (!TryDecode(encoded, out packet))
        {
            error = true;
            return false;
        }

        return true;
    }

    /// <summary>Decodes one packet in its text form (<c>4hello</c>, <c>2</c>, or <c>b</c> + base64).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> encoded, out Packet packet)
    {
        packet = default;
        if (encoded.IsEmpty)
        {
            return false;
        }

        var first = encoded[0];
        if (first == (byte)'b')
        {
            var base64 = encoded[1..];
            var data = new byte[Base64.GetMaxDecodedFromUtf8Length(base64.Length)];
            if (Base64.DecodeFromUtf8(base64, data, out _, out var written) != OperationStatus.Done)
            {
                return false;
            }

            packet = new Packet(EnginePacketType.Message, data.AsMemory(0, written), true);
            return true;
        }

        if (first < (byte)'0' || first > (byte)'6')
        {
            return false;
        }

        packet = new Packet((EnginePacketType)(first - '0'), encoded[1..].ToArray(), false);
        return true;
    }
}
