using System.Text.Json;
using System.Text.Json.Serialization;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// Turns a binary value (<c>byte[]</c>, <c>ReadOnlyMemory&lt;byte&gt;</c>, <c>Memory&lt;byte&gt;</c>,
/// <c>ArraySegment&lt;byte&gt;</c>) found anywhere in an argument into a numbered placeholder and an
/// attachment, and back when deserializing an argument of a received binary packet.
/// </summary>
internal sealed class BinaryPlaceholderConverter<T>(Func<T, ReadOnlyMemory<byte>> toMemory, Func<ReadOnlyMemory<byte>, T> fromMemory)
    : JsonConverter<T>
{
    private static readonly JsonEncodedText s_placeholder = JsonEncodedText.Encode("_placeholder");
    private static readonly JsonEncodedText s_num = JsonEncodedText.Encode("num");

    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return default;
            case JsonTokenType.String:
                // What System.Text.Json itself reads into byte[].
                return fromMemory(reader.GetBytesFromBase64());
            case JsonTokenType.StartObject:
                JsonElement placeholder = JsonElement.ParseValue(ref reader);
                if (BinaryAttachmentScope.TryResolve(placeholder, out ReadOnlyMemory<byte> data))
                {
                    return fromMemory(data);
                }

                throw new JsonException("The object is not a placeholder for one of the packet's binary attachments.");
            default:
                throw new JsonException($"Cannot read binary data from a JSON {reader.TokenType}.");
        }
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        int num = BinaryAttachmentScope.Add(toMemory(value));
        writer.WriteStartObject();
        writer.WriteBoolean(s_placeholder, true);
        writer.WriteNumber(s_num, num);
        writer.WriteEndObject();
    }
}
