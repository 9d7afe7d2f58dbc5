using System.Text.Json;

namespace Synapse.SocketIO.Protocol;

/// <summary>A text message read by <see cref="SocketIOTextPacketParser"/>, before any attachments.</summary>
/// <param name="Type">The packet type as on the wire.</param>
/// <param name="Namespace">The namespace's UTF-8 bytes, empty for the main namespace.</param>
/// <param name="AckId">The acknowledgement id, if any.</param>
/// <param name="Payload">The payload, if any.</param>
/// <param name="AttachmentCount">The announced attachments (binary types only).</param>
internal readonly record struct ParsedTextPacket(
    SocketIOPacketType Type,
    ReadOnlyMemory<byte> Namespace,
    long? AckId,
    JsonElement? Payload,
    int AttachmentCount);
