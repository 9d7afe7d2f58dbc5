using System.Text.Json;
using System.Text.Json.Serialization;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>Writes halves with their own shortest digits in JavaScript's layout, and <c>null</c> for NaN and infinities.</summary>
internal sealed class JsHalfConverter : JsonConverter<Half>
{
    public override Half Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number ? (Half)reader.GetDouble() : QuotedNumberReader.Read<Half>(ref reader, options);

    public override void Write(Utf8JsonWriter writer, Half value, JsonSerializerOptions options)
    {
        if (!Half.IsFinite(value))
        {
            writer.WriteNullValue();
            return;
        }

        Span<byte> buffer = stackalloc byte[JsNumberFormatter.MaxLength];
        writer.WriteRawValue(buffer[..JsNumberFormatter.Format(value, buffer)], skipInputValidation: true);
    }
}
