namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// Finds <c>\uXXXX</c> escapes of a surrogate that is not half of a pair (<c>"\ud800"</c>). JSON.parse
/// accepts them, but System.Text.Json refuses to read such a string: every later read of the value
/// (the placeholder check, argument binding, plain values) would throw. Found at decode time, the
/// packet is refused as an invalid payload instead.
/// </summary>
internal static class LoneSurrogateEscape
{
    /// <summary>Whether a string (value or property name) of <paramref name="json"/>, which must be valid JSON, has a lone surrogate escape.</summary>
    public static bool Exists(ReadOnlySpan<byte> json)
    {
        // Most payloads have no \u escape at all.
        if (json.IndexOf("\\u"u8) < 0)
        {
            return false;
        }

        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var b = json[i];
            if (!inString || b != '\\')
            {
                if (b == '"')
                {
                    inString = !inString;
                }

                continue;
            }

            // An escape: i moves to the escaped character (valid JSON always has one).
            if (json[++i] != 'u')
            {
                continue;
            }

            var unit = ReadHex4(json.Slice(i + 1, 4));
            i += 4;
            if (char.IsLowSurrogate(unit))
            {
                return true;
            }

            if (char.IsHighSurrogate(unit))
            {
                // Its low half must be the very next escape.
                if (i + 6 >= json.Length || json[i + 1] != '\\' || json[i + 2] != 'u' || !char.IsLowSurrogate(ReadHex4(json.Slice(i + 3, 4))))
                {
                    return true;
                }

                i += 6;
            }
        }

        return false;
    }

    private static char ReadHex4(ReadOnlySpan<byte> hex)
    {
        var value = 0;
        foreach (var digit in hex)
        {
            value = (value << 4) | (digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10);
        }

        return (char)value;
    }
}
