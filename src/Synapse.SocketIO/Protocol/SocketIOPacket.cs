using System.Text.Json;
using Synapse.SocketIO.Protocol.Json;

namespace Synapse.SocketIO.Protocol;

/// <summary>
/// A decoded Socket.IO packet. For binary packets the payload still holds the
/// <c>{"_placeholder":true,"num":N}</c> objects; <see cref="TryGetAttachment"/> and
/// <see cref="Deserialize(JsonElement, Type, JsonSerializerOptions)"/> resolve them to <see cref="Attachments"/>.
/// </summary>
public sealed class SocketIOPacket
{
    internal SocketIOPacket(
        SocketIOPacketType type,
        string @namespace,
        long? ackId,
        JsonElement? payload,
        IReadOnlyList<ReadOnlyMemory<byte>> attachments)
    {
        Type = type;
        Namespace = @namespace;
        AckId = ackId;
        Payload = payload;
        Attachments = attachments;
    }

    /// <summary>
    /// The type as it was on the wire. Unlike socket.io-parser, binary packets keep
    /// <see cref="SocketIOPacketType.BinaryEvent"/> / <see cref="SocketIOPacketType.BinaryAck"/>;
    /// they mean the same as <see cref="SocketIOPacketType.Event"/> / <see cref="SocketIOPacketType.Ack"/>.
    /// </summary>
    public SocketIOPacketType Type { get; }

    /// <summary>The namespace, <c>"/"</c> when the packet names none.</summary>
    public string Namespace { get; }

    /// <summary>The acknowledgement id, if the packet has one.</summary>
    public long? AckId { get; }

    /// <summary>
    /// The JSON payload, or null when the packet has none. It is detached from the received message
    /// and may be kept.
    /// </summary>
    public JsonElement? Payload { get; }

    /// <summary>The binary attachments, in placeholder order; empty for non-binary packets.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Attachments { get; }

    /// <summary>Whether this is an event, binary or not.</summary>
    public bool IsEvent => Type is SocketIOPacketType.Event or SocketIOPacketType.BinaryEvent;

    /// <summary>Whether this is an acknowledgement, binary or not.</summary>
    public bool IsAck => Type is SocketIOPacketType.Ack or SocketIOPacketType.BinaryAck;

    /// <summary>
    /// Whether <paramref name="element"/> (anywhere in the payload) is a placeholder for one of this
    /// packet's attachments, and if so, the attachment's bytes.
    /// </summary>
    public bool TryGetAttachment(JsonElement element, out ReadOnlyMemory<byte> data)
    {
        if (Attachments.Count > 0 && BinaryPlaceholder.TryGetIndex(element, Attachments.Count, out int index))
        {
            data = Attachments[index];
            return true;
        }

        data = default;
        return false;
    }

    /// <summary>
    /// Deserializes a payload element, turning placeholders found in <c>byte[]</c>,
    /// <c>ReadOnlyMemory&lt;byte&gt;</c>, <c>Memory&lt;byte&gt;</c> or <c>ArraySegment&lt;byte&gt;</c> positions
    /// (at any depth) into this packet's attachments.
    /// </summary>
    /// <param name="element">An element of <see cref="Payload"/>.</param>
    /// <param name="type">The type to create.</param>
    /// <param name="options">Options that hold the binary converters: <see cref="SocketIOPacketEncoder.SerializerOptions"/>.</param>
    /// <exception cref="JsonException">The element does not fit <paramref name="type"/>.</exception>
    public object? Deserialize(JsonElement element, Type type, JsonSerializerOptions options)
    {
        using var scope = BinaryAttachmentScope.Resolve(Attachments);
        return element.Deserialize(type, options);
    }

    /// <inheritdoc cref="Deserialize(JsonElement, Type, JsonSerializerOptions)"/>
    public T? Deserialize<T>(JsonElement element, JsonSerializerOptions options)
    {
        using var scope = BinaryAttachmentScope.Resolve(Attachments);
        return element.Deserialize<T>(options);
    }
}
