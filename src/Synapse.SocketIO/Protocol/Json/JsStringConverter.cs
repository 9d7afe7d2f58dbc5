using System.Text.Json;
using System.Text.Json.Serialization;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// Writes strings so that lone surrogates survive as <c>\udxxx</c> escapes, as with JSON.stringify;
/// System.Text.Json alone would replace them with U+FFFD. Reads them too (System.Text.Json would throw).
/// </summary>
internal sealed class JsStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : JsonStringReader.GetString(ref reader);

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        JsonStringifyEscaping.WriteStringValue(writer, value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonStringReader.GetString(ref reader);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value);
}
