using System.Buffers.Binary;

namespace Synapse.SocketIO.Engine.Transports;

/// <summary>
/// Reads and writes RFC 6455 frame headers. We frame WebSocket ourselves on Kestrel's upgraded
/// connection (rather than through System.Net.WebSockets) so that a batch of queued packets
/// becomes one write and a shared payload is framed without re-encoding it per recipient.
/// </summary>
internal readonly struct WebSocketFrameHeader
{
    public const int MaxServerHeaderLength = 10;

    public bool Fin { get; init; }
    public WebSocketOpcode Opcode { get; init; }
    public bool Masked { get; init; }
    /// <summary>RSV1: with permessage-deflate, set on the first frame of a compressed message.</summary>
    public bool Rsv1 { get; init; }
    /// <summary>RSV2 or RSV3, which no extension we negotiate defines.</summary>
    public bool ReservedBitsSet { get; init; }
    public long PayloadLength { get; init; }
    public uint MaskKey { get; init; }
    public int HeaderLength { get; init; }

    /// <summary>Parses a header; false when <paramref name="buffer"/> does not hold all of it yet.</summary>
    public static bool TryRead(ReadOnlySpan<byte> buffer, out WebSocketFrameHeader header)
    {
        header = default;
        if (buffer.Length < 2)
        {
            return false;
        }

        var b0 = buffer[0];
        var b1 = buffer[1];
        var masked = (b1 & 0x80) != 0;
        long length = b1 & 0x7F;
        var offset = 2;
        if (length == 126)
        {
            if (buffer.Length < 4)
            {
                return false;
            }

            length = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
            offset = 4;
        }
        else if (length == 127)
        {
            if (buffer.Length < 10)
            {
                return false;
            }

            var raw = BinaryPrimitives.ReadUInt64BigEndian(buffer[2..]);
            // The most significant bit must be 0; treat anything that large as "too big".
            length = raw > long.MaxValue ? long.MaxValue : (long)raw;
            offset = 10;
        }

        uint mask = 0;
        if (masked)
        {
            if (buffer.Length < offset + 4)
            {
                return false;
            }

            mask = BinaryPrimitives.ReadUInt32LittleEndian(buffer[offset..]);
            offset += 4;
        }

        header = new WebSocketFrameHeader
        {
            Fin = (b0 & 0x80) != 0,
            Rsv1 = (b0 & 0x40) != 0,
            ReservedBitsSet = (b0 & 0x30) != 0,
            Opcode = (WebSocketOpcode)(b0 & 0x0F),
            Masked = masked,
            PayloadLength = length,
            MaskKey = mask,
            HeaderLength = offset,
        };
        return true;
    }

    /// <summary>Writes an unmasked, final server frame header (RSV1 for a compressed message); returns its length.</summary>
    public static int WriteServerHeader(Span<byte> destination, WebSocketOpcode opcode, int payloadLength, bool rsv1 = false)
    {
        destination[0] = (byte)(0x80 | (rsv1 ? 0x40 : 0) | (byte)opcode);
        if (payloadLength < 126)
        {
            destination[1] = (byte)payloadLength;
            return 2;
        }

        if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            return 4;
        }

        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
        return 10;
    }

    /// <summary>XORs <paramref name="data"/> with the mask, starting <paramref name="offset"/> bytes into the payload.</summary>
    public static void Unmask(Span<byte> data, uint mask, long offset)
    {
        // Rotate the key so that data[0] lines up with payload byte 'offset'.
        var shift = (int)(offset & 3) * 8;
        var key = shift == 0 ? mask : (mask >> shift) | (mask << (32 - shift));
        var key64 = ((ulong)key << 32) | key;
        var i = 0;
        while (i + 8 <= data.Length)
        {
            var value = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            BinaryPrimitives.WriteUInt64LittleEndian(data[i..], value ^ key64);
            i += 8;
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= (byte)(key >> ((i & 3) * 8));
        }
    }
}
