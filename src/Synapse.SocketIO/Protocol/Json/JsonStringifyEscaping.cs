using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// String escaping exactly as <c>JSON.stringify</c> does it: only <c>"</c>, <c>\</c>, control characters
/// (<c>\b \t \n \f \r</c> or <c>\u00xx</c>) and lone surrogates (<c>\udxxx</c>, lowercase hex) are
/// escaped; everything else, including non-ASCII, U+2028/U+2029 and DEL, is written raw.
/// </summary>
/// <remarks>
/// A custom <see cref="System.Text.Encodings.Web.JavaScriptEncoder"/> would need pointer overrides (and
/// unsafe code). Instead System.Text.Json writes with its relaxed encoder and <see cref="Canonicalize"/>
/// rewrites its escapes in place; string values holding lone surrogates, which System.Text.Json would
/// replace with U+FFFD, are written by <see cref="WriteStringValue"/>.
/// </remarks>
internal static class JsonStringifyEscaping
{
    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>
    /// Rewrites every escape sequence of well-formed JSON text to JSON.stringify's form, in place.
    /// Each rewrite is no longer than the escape it replaces, so the text only shrinks.
    /// </summary>
    /// <returns>The new length.</returns>
    public static int Canonicalize(Span<byte> json)
    {
        int read = json.IndexOf((byte)'\\');
        if (read < 0)
        {
            return json.Length;
        }

        int write = read;
        while (read < json.Length)
        {
            int next = json[read..].IndexOf((byte)'\\');
            int plain = next < 0 ? json.Length - read : next;
            if (plain > 0)
            {
                json.Slice(read, plain).CopyTo(json[write..]);
                read += plain;
                write += plain;
                if (next < 0)
                {
                    break;
                }
            }

            // Only raw JSON written by a user converter that skipped validation could end mid-escape.
            if (read + 1 >= json.Length || (json[read + 1] == 'u' && read + 6 > json.Length))
            {
                json[read..].CopyTo(json[write..]);
                write += json.Length - read;
                break;
            }

            byte escaped = json[read + 1];
            if (escaped == 'u')
            {
                int codeUnit = ParseHex4(json.Slice(read + 2, 4));
                read += 6;
                if (char.IsHighSurrogate((char)codeUnit) && read + 6 <= json.Length
                    && json[read] == '\\' && json[read + 1] == 'u')
                {
                    int low = ParseHex4(json.Slice(read + 2, 4));
                    if (char.IsLowSurrogate((char)low))
                    {
                        read += 6;
                        write += new Rune((char)codeUnit, (char)low).EncodeToUtf8(json[write..]);
                        continue;
                    }
                }

                write += WriteCodeUnit(codeUnit, json[write..]);
            }
            else if (escaped == '/')
            {
                // JSON allows an escaped solidus; JSON.stringify never writes one.
                json[write++] = (byte)'/';
                read += 2;
            }
            else
            {
                json[write++] = (byte)'\\';
                json[write++] = escaped;
                read += 2;
            }
        }

        return write;
    }

    /// <summary>
    /// Writes a string value, escaping it ourselves only when it holds a lone surrogate (which the
    /// System.Text.Json writer cannot represent).
    /// </summary>
    public static void WriteStringValue(Utf8JsonWriter writer, string value)
    {
        ReadOnlySpan<char> text = value;
        int firstSurrogate = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (firstSurrogate < 0 || !HasLoneSurrogate(text[firstSurrogate..]))
        {
            writer.WriteStringValue(value);
            return;
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent(checked((text.Length * 6) + 2));
        try
        {
            int length = WriteQuoted(text, rented);
            writer.WriteRawValue(rented.AsSpan(0, length), skipInputValidation: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes <paramref name="text"/> as a quoted JSON.stringify string; needs 6 bytes per char plus 2.</summary>
    public static int WriteQuoted(ReadOnlySpan<char> text, Span<byte> destination)
    {
        int w = 0;
        destination[w++] = (byte)'"';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                w += new Rune(c, text[++i]).EncodeToUtf8(destination[w..]);
            }
            else
            {
                w += WriteCodeUnit(c, destination[w..]);
            }
        }

        destination[w++] = (byte)'"';
        return w;
    }

    private static bool HasLoneSurrogate(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes one UTF-16 code unit that is not part of a surrogate pair; at most 6 bytes.</summary>
    private static int WriteCodeUnit(int c, Span<byte> destination)
    {
        byte shortEscape = c switch
        {
            '"' => (byte)'"',
            '\\' => (byte)'\\',
            '\b' => (byte)'b',
            '\f' => (byte)'f',
            '\n' => (byte)'n',
            '\r' => (byte)'r',
            '\t' => (byte)'t',
            _ => 0,
        };
        if (shortEscape != 0)
        {
            destination[0] = (byte)'\\';
            destination[1] = shortEscape;
            return 2;
        }

        if (c < 0x20 || char.IsSurrogate((char)c))
        {
            destination[0] = (byte)'\\';
            destination[1] = (byte)'u';
            destination[2] = HexDigits[(c >> 12) & 0xF];
            destination[3] = HexDigits[(c >> 8) & 0xF];
            destination[4] = HexDigits[(c >> 4) & 0xF];
            destination[5] = HexDigits[c & 0xF];
            return 6;
        }

        return new Rune(c).EncodeToUtf8(destination);
    }

    private static int ParseHex4(ReadOnlySpan<byte> hex)
    {
        int value = 0;
        foreach (byte b in hex)
        {
            value = (value << 4) | (b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10);
        }

        return value;
    }
}
