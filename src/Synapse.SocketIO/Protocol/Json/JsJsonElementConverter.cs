using System.Text.Json;
using System.Text.Json.Serialization;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// Writes a <see cref="JsonElement"/> (typically an argument received from a client and sent on) as
/// JSON.stringify would, and without failing on lone surrogates the way System.Text.Json does.
/// </summary>
internal sealed class JsJsonElementConverter : JsonConverter<JsonElement>
{
    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonElement.ParseValue(ref reader);

    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) =>
        WriteElement(writer, value, options);

    public static void WriteElement(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options)
    {
        using var buffer = new PooledBufferWriter();
        JsonElementStringifier.Write(value, buffer, options.MaxDepth == 0 ? 64 : options.MaxDepth);
        writer.WriteRawValue(buffer.WrittenSpan, skipInputValidation: true);
    }
}
