using System.Buffers.Text;
using System.IO.Compression;
using System.Text;
using Synapse.SocketIO.Engine.Transports;

namespace Synapse.SocketIO.Engine;

/// <summary>
/// An outbound Engine.IO packet, encoded once. The same instance may be queued to any number of
/// sessions on any transport: WebSocket sessions write <see cref="Encoded"/> as the frame payload,
/// long-polling sessions write it into their payloads (binary data as <c>b</c> + base64, computed
/// at most once per packet). With permessage-deflate, the compressed form is also computed at
/// most once per packet, whatever the number of recipients.
/// </summary>
public sealed class EnginePacket
{
    // The forms derived from Encoded (base64, compressed, the uncompressed twin), made when first
    // needed: one field keeps the packet as small as a packet that never needs them.
    private DerivedForms? _derived;

    private EnginePacket(EnginePacketType type, bool isBinary, ReadOnlyMemory<byte> encoded, bool compress = true)
    {
        Type = type;
        IsBinary = isBinary;
        Encoded = encoded;
        Compress = compress;
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

    /// <summary>
    /// Whether a transport may compress the packet (Node's per-packet <c>compress</c> option,
    /// true unless it was sent with <c>compress: false</c>).
    /// </summary>
    internal bool Compress { get; }

    /// <summary>
    /// The same packet (the same bytes) marked not to be compressed; made once per packet, so a
    /// broadcast with <c>Compress(false)</c> queues one shared object to every recipient.
    /// </summary>
    internal EnginePacket Uncompressed
    {
        get
        {
            if (!Compress)
            {
                return this;
            }

            var derived = Derived;
            var twin = Volatile.Read(ref derived.Uncompressed);
            if (twin is null)
            {
                // A race only makes an identical twin; either may be queued.
                twin = new EnginePacket(Type, IsBinary, Encoded, compress: false);
                twin = Interlocked.CompareExchange(ref derived.Uncompressed, twin, null) ?? twin;
            }

            return twin;
        }
    }

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

            var derived = Derived;
            var cached = Volatile.Read(ref derived.Base64);
            if (cached is null)
            {
                var raw = Encoded.Span;
                cached = new byte[1 + Base64.GetMaxEncodedToUtf8Length(raw.Length)];
                cached[0] = (byte)'b';
                Base64.EncodeToUtf8(raw, cached.AsSpan(1), out _, out _);
                // Races only waste an identical array; the bytes are the same either way.
                Volatile.Write(ref derived.Base64, cached);
            }

            return cached;
        }
    }

    /// <summary>
    /// <see cref="Encoded"/> compressed as one permessage-deflate message without context
    /// (RFC 7692 7.2.1: the trailing <c>00 00 ff ff</c> removed). Computed by the first
    /// transport that needs it while the others wait for it, then shared by every recipient.
    /// </summary>
    internal ReadOnlyMemory<byte> GetDeflated(CompressionLevel level)
    {
        var derived = Derived;
        var cached = Volatile.Read(ref derived.Deflated);
        if (cached is not null && cached.Level == level)
        {
            return cached.Data;
        }

        if (cached is not null)
        {
            // Two servers with different levels in one process share this packet: rare, not cached.
            return PerMessageDeflate.Compress(Encoded.Span, level);
        }

        // The recipients' writers wait for the first one instead of each compressing the same bytes.
        lock (derived)
        {
            cached = derived.Deflated;
            if (cached is null)
            {
                cached = new DeflatedPayload(level, PerMessageDeflate.Compress(Encoded.Span, level));
                Volatile.Write(ref derived.Deflated, cached);
            }
        }

        return cached.Level == level ? cached.Data : PerMessageDeflate.Compress(Encoded.Span, level);
    }

    private DerivedForms Derived
    {
        get
        {
            var derived = Volatile.Read(ref _derived);
            if (derived is null)
            {
                derived = new DerivedForms();
                derived = Interlocked.CompareExchange(ref _derived, derived, null) ?? derived;
            }

            return derived;
        }
    }

    private sealed record DeflatedPayload(CompressionLevel Level, byte[] Data);

    private sealed class DerivedForms
    {
        public byte[]? Base64;
        public EnginePacket? Uncompressed;
        public DeflatedPayload? Deflated;
    }
}
