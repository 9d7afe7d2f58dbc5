using System.Buffers;
using System.Text;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// Reads JSON strings the way JSON.parse does, lone surrogate escapes (<c>"\ud800"</c>) included:
/// System.Text.Json throws <see cref="InvalidOperationException"/> on those, while a .NET string
/// holds them fine (and <see cref="JsonStringifyEscaping"/> writes them back as escapes). Strings
/// without a <c>\u</c> escape take System.Text.Json's own path.
/// </summary>
internal static class JsonStringReader
{
    /// <summary>The value of a string element.</summary>
    public static string GetString(JsonElement element)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        return raw.IndexOf("\\u"u8) < 0 ? element.GetString()! : Unescape(raw[1..^1]);
    }

    /// <summary>A property's name.</summary>
    public static string GetName(JsonProperty property)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        return raw.IndexOf("\\u"u8) < 0 ? property.Name : Unescape(raw);
    }

    /// <summary>Whether a property's name is <paramref name="utf8Name"/>.</summary>
    public static bool NameEquals(JsonProperty property, ReadOnlySpan<byte> utf8Name) =>
        JsonMarshal.GetRawUtf8PropertyName(property).IndexOf("\\u"u8) < 0
            ? property.NameEquals(utf8Name)
            : Encoding.UTF8.GetBytes(GetName(property)).AsSpan().SequenceEqual(utf8Name);

    /// <summary>The reader's current string or property name.</summary>
    public static string GetString(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.GetString()!;
        }

        var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        return raw.IndexOf("\\u"u8) < 0 ? reader.GetString()! : Unescape(raw);
    }

    // The text between the quotes of a valid JSON string.
    private static string Unescape(ReadOnlySpan<byte> escaped)
    {
        var text = new StringBuilder(escaped.Length);
        while (!escaped.IsEmpty)
        {
            var backslash = escaped.IndexOf((byte)'\\');
            if (backslash < 0)
            {
                text.Append(Encoding.UTF8.GetString(escaped));
                break;
            }

            text.Append(Encoding.UTF8.GetString(escaped[..backslash]));
            var code = escaped[backslash + 1];
            escaped = escaped[(backslash + 2)..];
            switch (code)
            {
                case (byte)'b':
                    text.Append('\b');
                    break;
                case (byte)'f':
                    text.Append('\f');
                    break;
                case (byte)'n':
                    text.Append('\n');
                    break;
                case (byte)'r':
                    text.Append('\r');
                    break;
                case (byte)'t':
                    text.Append('\t');
                    break;
                case (byte)'u':
                    var unit = 0;
                    foreach (var digit in escaped[..4])
                    {
                        unit = (unit << 4) | (digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10);
                    }

                    // One UTF-16 code unit, paired or not, as JSON.parse keeps it.
                    text.Append((char)unit);
                    escaped = escaped[4..];
                    break;
                default: // " \ /
                    text.Append((char)code);
                    break;
            }
        }

        return text.ToString();
    }
}
