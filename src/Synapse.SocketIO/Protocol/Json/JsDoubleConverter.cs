using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// Writes doubles as JSON.stringify does: JavaScript's number layout (<c>1e+21</c>, <c>1e-7</c>), and
/// <c>null</c> for NaN and infinities instead of System.Text.Json's exception.
/// </summary>
internal sealed class JsDoubleConverter : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : QuotedNumberReader.Read<double>(ref reader, options);

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) => WriteNumber(writer, value);

    public override double ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        QuotedNumberReader.ReadPropertyName<double>(ref reader);

    // A number used as an object key becomes String(number) in JavaScript, NaN and Infinity included.
    public override void WriteAsPropertyName(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (double.IsNaN(value))
        {
            writer.WritePropertyName("NaN"u8);
        }
        else if (double.IsInfinity(value))
        {
            writer.WritePropertyName(value > 0 ? "Infinity"u8 : "-Infinity"u8);
        }
        else
        {
            Span<byte> buffer = stackalloc byte[JsNumberFormatter.MaxLength];
            writer.WritePropertyName(buffer[..JsNumberFormatter.Format(value, buffer)]);
        }
    }

    public static void WriteNumber(Utf8JsonWriter writer, double value)
    {
        if (!double.IsFinite(value))
        {
            writer.WriteNullValue();
            return;
        }

        Span<byte> buffer = stackalloc byte[JsNumberFormatter.MaxLength];
        writer.WriteRawValue(buffer[..JsNumberFormatter.Format(value, buffer)], skipInputValidation: true);
    }
}
