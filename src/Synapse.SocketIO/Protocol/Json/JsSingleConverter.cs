using System.Text.Json;
using System.Text.Json.Serialization;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// Writes floats with their own shortest digits in JavaScript's layout (1.1f is <c>1.1</c>, 1e21f is
/// <c>1e+21</c>), and <c>null</c> for NaN and infinities.
/// </summary>
internal sealed class JsSingleConverter : JsonConverter<float>
{
    public override float Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number ? reader.GetSingle() : QuotedNumberReader.Read<float>(ref reader, options);

    public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
    {
        if (!float.IsFinite(value))
        {
            writer.WriteNullValue();
            return;
        }

        Span<byte> buffer = stackalloc byte[JsNumberFormatter.MaxLength];
        writer.WriteRawValue(buffer[..JsNumberFormatter.Format(value, buffer)], skipInputValidation: true);
    }
}
