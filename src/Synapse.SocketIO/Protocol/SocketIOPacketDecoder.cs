using System.Text;
using Synapse.SocketIO.Engine;

namespace Synapse.SocketIO.Protocol;

/// <summary>
/// Decodes the Socket.IO packets of one connection from its Engine.IO messages. A binary packet spans
/// several messages (a text header, then one binary message per attachment), so the decoder keeps state
/// between calls: use one instance per connection, from one thread at a time.
/// </summary>
/// <remarks>
/// Attachments are kept as given, not copied: Engine.IO hands over messages that the receiver owns.
/// After a failure the decoder starts afresh; the connection is expected to be closed anyway.
/// </remarks>
public sealed class SocketIOPacketDecoder
{
    private readonly SocketIODecoderOptions _options;

    // The binary packet whose attachments are being received.
    private ParsedTextPacket _pending;
    private string _pendingNamespace = "/";
    private ReadOnlyMemory<byte>[]? _pendingAttachments;
    private int _received;

    // Clients mostly talk to one namespace; remembering the last one avoids a string per packet.
    private byte[] _lastNamespaceUtf8 = [];
    private string _lastNamespace = "/";

    /// <summary>Creates a decoder.</summary>
    /// <param name="options">Limits on what a client may send; <see cref="SocketIODecoderOptions.Default"/> when null.</param>
    public SocketIOPacketDecoder(SocketIODecoderOptions? options = null)
    {
        _options = options ?? SocketIODecoderOptions.Default;
    }

    /// <summary>The limits in force.</summary>
    internal SocketIODecoderOptions Options => _options;

    /// <summary>Whether a binary packet's header was read and its attachments are still expected.</summary>
    public bool IsAwaitingAttachments => _pendingAttachments is not null;

    /// <summary>Feeds one Engine.IO message (text or binary).</summary>
    public SocketIODecodeResult Decode(EngineMessage message) =>
        message.IsBinary ? DecodeBinary(message.Data) : DecodeText(message.Data);

    /// <summary>
    /// Feeds one Engine.IO text message: the UTF-8 bytes after the Engine.IO type digit, such as
    /// <c>2["hello"]</c> or <c>51-/admin,["x",{"_placeholder":true,"num":0}]</c>.
    /// </summary>
    public SocketIODecodeResult DecodeText(ReadOnlyMemory<byte> utf8)
    {
        if (_pendingAttachments is not null)
        {
            return Fail("got plaintext data when reconstructing a packet");
        }

        if (!SocketIOTextPacketParser.TryParse(utf8, _options, out ParsedTextPacket parsed, out string? error))
        {
            return Fail(error);
        }

        string nsp = GetNamespace(parsed.Namespace.Span);
        if (parsed.AttachmentCount == 0)
        {
            return SocketIODecodeResult.Completed(new SocketIOPacket(parsed.Type, nsp, parsed.AckId, parsed.Payload, []));
        }

        _pending = parsed;
        _pendingNamespace = nsp;
        _pendingAttachments = new ReadOnlyMemory<byte>[parsed.AttachmentCount];
        _received = 0;
        return SocketIODecodeResult.AwaitingAttachments;
    }

    /// <summary>Feeds one Engine.IO binary message: the next attachment of the pending binary packet.</summary>
    public SocketIODecodeResult DecodeBinary(ReadOnlyMemory<byte> data)
    {
        ReadOnlyMemory<byte>[]? attachments = _pendingAttachments;
        if (attachments is null)
        {
            return Fail("got binary data when not reconstructing a packet");
        }

        attachments[_received++] = data;
        if (_received < attachments.Length)
        {
            return SocketIODecodeResult.AwaitingAttachments;
        }

        var packet = new SocketIOPacket(_pending.Type, _pendingNamespace, _pending.AckId, _pending.Payload, attachments);
        Reset();
        return SocketIODecodeResult.Completed(packet);
    }

    /// <summary>Drops a partly received binary packet, as when the connection closes.</summary>
    public void Reset()
    {
        _pending = default;
        _pendingNamespace = "/";
        _pendingAttachments = null;
        _received = 0;
    }

    private SocketIODecodeResult Fail(string error)
    {
        Reset();
        return SocketIODecodeResult.Failed(error);
    }

    private string GetNamespace(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return "/";
        }

        if (!utf8.SequenceEqual(_lastNamespaceUtf8))
        {
            _lastNamespaceUtf8 = utf8.ToArray();
            _lastNamespace = Encoding.UTF8.GetString(utf8);
        }

        return _lastNamespace;
    }
}
