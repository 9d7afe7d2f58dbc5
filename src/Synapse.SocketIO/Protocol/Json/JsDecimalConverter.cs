using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// Writes decimals as the JavaScript number their digits denote (1.50m is <c>1.5</c>): a JavaScript
/// client can hold nothing more precise, and this is what JSON.stringify would print for it.
/// </summary>
internal sealed class JsDecimalConverter : JsonConverter<decimal>
{
    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number ? reader.GetDecimal() : QuotedNumberReader.Read<decimal>(ref reader, options);

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options)
    {
        // Parsing the exact decimal text rounds correctly, as JSON.parse would; (double)value may not.
        Span<byte> text = stackalloc byte[JsNumberFormatter.MaxLength];
        value.TryFormat(text, out int length, default, CultureInfo.InvariantCulture);
        JsDoubleConverter.WriteNumber(writer, double.Parse(text[..length], NumberStyles.Float, CultureInfo.InvariantCulture));
    }
}
