using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// Writes a <see cref="JsonElement"/> as <c>JSON.stringify(JSON.parse(text))</c> would: compact, numbers
/// re-printed the JavaScript way (<c>1.0</c> → <c>1</c>, <c>1E2</c> → <c>100</c>, overflow → <c>null</c>).
/// Strings and property names are copied raw, escapes included, and left to
/// <see cref="JsonStringifyEscaping.Canonicalize"/>; copying raw also keeps lone surrogates such as
/// <c>"\ud800"</c>, which System.Text.Json refuses to re-serialize.
/// </summary>
/// <remarks>
/// Differs from JavaScript only where the result is the same object once parsed: duplicate keys are kept
/// (JavaScript keeps the last value) and integer-like keys keep their order (JavaScript sorts them first).
/// </remarks>
internal static class JsonElementStringifier
{
    public static void Write(JsonElement element, PooledBufferWriter output, int maxDepth)
    {
        WriteValue(element, output, maxDepth, 0);
    }

    private static void WriteValue(JsonElement element, PooledBufferWriter output, int maxDepth, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                EnterContainer(maxDepth, depth);
                output.Write((byte)'{');
                bool firstProperty = true;
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    if (!firstProperty)
                    {
                        output.Write((byte)',');
                    }

                    firstProperty = false;
                    output.Write((byte)'"');
                    output.Write(JsonMarshal.GetRawUtf8PropertyName(property));
                    output.Write("\":"u8);
                    WriteValue(property.Value, output, maxDepth, depth + 1);
                }

                output.Write((byte)'}');
                break;
            case JsonValueKind.Array:
                EnterContainer(maxDepth, depth);
                output.Write((byte)'[');
                bool firstItem = true;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (!firstItem)
                    {
                        output.Write((byte)',');
                    }

                    firstItem = false;
                    WriteValue(item, output, maxDepth, depth + 1);
                }

                output.Write((byte)']');
                break;
            case JsonValueKind.String:
                output.Write(JsonMarshal.GetRawUtf8Value(element));
                break;
            case JsonValueKind.Number:
                WriteNumber(JsonMarshal.GetRawUtf8Value(element), output);
                break;
            case JsonValueKind.True:
                output.Write("true"u8);
                break;
            case JsonValueKind.False:
                output.Write("false"u8);
                break;
            default:
                // Null, and default(JsonElement), which stands for JavaScript's undefined.
                output.Write("null"u8);
                break;
        }
    }

    private static void WriteNumber(ReadOnlySpan<byte> raw, PooledBufferWriter output)
    {
        if (IsCanonicalInteger(raw))
        {
            output.Write(raw);
            return;
        }

        double value = double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsInfinity(value))
        {
            output.Write("null"u8);
            return;
        }

        int written = JsNumberFormatter.Format(value, output.GetSpan(JsNumberFormatter.MaxLength));
        output.Advance(written);
    }

    // Short integers without leading zeros (or "-0") already print the same in JavaScript.
    private static bool IsCanonicalInteger(ReadOnlySpan<byte> raw)
    {
        ReadOnlySpan<byte> digits = raw.Length > 0 && raw[0] == '-' ? raw[1..] : raw;
        return digits.Length is > 0 and <= 15
            && (digits[0] != '0' || (digits.Length == 1 && raw.Length == 1))
            && !digits.ContainsAnyExceptInRange((byte)'0', (byte)'9');
    }

    private static void EnterContainer(int maxDepth, int depth)
    {
        if (depth >= maxDepth)
        {
            throw new JsonException($"The JSON value is nested deeper than the maximum depth of {maxDepth}.");
        }
    }
}
