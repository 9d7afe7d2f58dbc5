using System.Buffers.Text;
using System.Text;

namespace Synapse.SocketIO.Engine;

/// <summary>
/// An outbound Engine.IO packet, encoded once. The same instance may be queued to any number of
/// sessions on any transport: WebSocket sessions write <see cref="Encoded"/> as the frame payload,
/// long-polling sessions write it into their payloads (binary data as <c>b</c> + base64, computed
/// at most once per packet).
/// </summary>
public sealed class EnginePacket
{
    private byte[]? _base64;

    private EnginePacket(EnginePacketType type, bool isBinary, ReadOnlyMemory<byte> encoded)
    {
        Type = type;
        IsBinary = isBinary;
        Encoded = encoded;
    }

    /// <summary>The packet type.</summary>
    public EnginePacketType Type { get; }

    /// <summary>Whether this is a binary message (a binary WebSocket frame).</summary>
    public bool IsBinary { get; }

    /// <summary>
    /// For a text packet, the type digit followed by the UTF-8 data (<c>4hello</c>);
    /// for a binary message, the raw bytes.
    /// </summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>Creates a text message packet from a string.</summary>
    public static EnginePacket TextMessage(string text) => Text(EnginePacketType.Message, text);

    /// <summary>Creates a text message packet from UTF-8 bytes (copied).</summary>
    public static EnginePacket TextMessage(ReadOnlySpan<byte> utf8)
    {
        var buffer = new byte[utf8.Length + 1];
        buffer[0] = (byte)('0' + (int)EnginePacketType.Message);
        utf8.CopyTo(buffer.AsSpan(1));
        return new EnginePacket(EnginePacketType.Message, false, buffer);
    }

    /// <summary>
    /// Creates a binary message packet. The memory is not copied: the caller must not change it
    /// while the packet may still be queued.
    /// </summary>
    public static EnginePacket BinaryMessage(ReadOnlyMemory<byte> data) =>
        new(EnginePacketType.Message, true, data);

    /// <summary>
    /// Wraps an already encoded text message (its first byte is <c>'4'</c>) without copying.
    /// The higher layers encode straight into such a buffer so a broadcast is serialised once.
    /// </summary>
    internal static EnginePacket FromEncodedTextMessage(ReadOnlyMemory<byte> encoded)
    {
        if (encoded.IsEmpty || encoded.Span[0] != (byte)'4')
        {
            throw new ArgumentException("An encoded text message starts with '4'.", nameof(encoded));
        }

        return new EnginePacket(EnginePacketType.Message, false, encoded);
    }

    internal static EnginePacket Text(EnginePacketType type, string? data = null)
    {
        var length = data is null ? 0 : Encoding.UTF8.GetByteCount(data);
        var buffer = new byte[length + 1];
        buffer[0] = (byte)('0' + (int)type);
        if (data is not null)
        {
            Encoding.UTF8.GetBytes(data, buffer.AsSpan(1));
        }

        return new EnginePacket(type, false, buffer);
    }

    internal static readonly EnginePacket Ping = Text(EnginePacketType.Ping);
    internal static readonly EnginePacket Pong = Text(EnginePacketType.Pong);
    internal static readonly EnginePacket Noop = Text(EnginePacketType.Noop);
    internal static readonly EnginePacket Close = Text(EnginePacketType.Close);
    internal static readonly EnginePacket PongProbe = Text(EnginePacketType.Pong, "probe");

    /// <summary>The packet as it appears inside a long-polling payload.</summary>
    internal ReadOnlySpan<byte> PollingEncoded
    {
        get
        {
            if (!IsBinary)
            {
                return Encoded.Span;
            }

            var cached = Volatile.Read(ref _base64);
            if (cached is null)
            {
                var raw = Encoded.Span;
                cached = new byte[1 + Base64.GetMaxEncodedToUtf8Length(raw.Length)];
                cached[0] = (byte)'b';
                Base64.EncodeToUtf8(raw, cached.AsSpan(1), out _, out _);
                // Races only waste an identical array; the bytes are the same either way.
                Volatile.Write(ref _base64, cached);
            }

            return cached;
        }
    }
}
