using System.Globalization;
using System.Text;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// JavaScript's <c>Number(string)</c> (ECMAScript StringToNumber). socket.io-parser reads the
/// attachment count with it, so "5 0x2-" or "5+1e0-" are legal counts there and must be here too.
/// </summary>
internal static class JsNumberParser
{
    public static double ToNumber(ReadOnlySpan<byte> utf8) => ToNumber(Encoding.UTF8.GetString(utf8));

    public static double ToNumber(ReadOnlySpan<char> text)
    {
        text = JsWhitespace.Trim(text);
        if (text.IsEmpty)
        {
            return 0;
        }

        // Prefixed integer literals take no sign and need at least one digit.
        if (text.Length > 2 && text[0] == '0')
        {
            int radix = (text[1] | 0x20) switch { 'x' => 16, 'o' => 8, 'b' => 2, _ => 0 };
            if (radix != 0)
            {
                return ParseRadix(text[2..], radix);
            }
        }

        return ParseDecimal(text);
    }

    private static double ParseRadix(ReadOnlySpan<char> digits, int radix)
    {
        double value = 0;
        foreach (char c in digits)
        {
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'z' => c - 'a' + 10,
                >= 'A' and <= 'Z' => c - 'A' + 10,
                _ => int.MaxValue,
            };
            if (digit >= radix)
            {
                return double.NaN;
            }

            value = (value * radix) + digit;
        }

        return value;
    }

    private static double ParseDecimal(ReadOnlySpan<char> text)
    {
        ReadOnlySpan<char> unsigned = text[0] is '+' or '-' ? text[1..] : text;
        if (unsigned.SequenceEqual("Infinity"))
        {
            return text[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
        }

        int i = 0;
        int mantissaDigits = SkipDigits(unsigned, ref i);
        if (i < unsigned.Length && unsigned[i] == '.')
        {
            i++;
            mantissaDigits += SkipDigits(unsigned, ref i);
        }

        if (mantissaDigits == 0)
        {
            return double.NaN;
        }

        if (i < unsigned.Length && unsigned[i] is 'e' or 'E')
        {
            i++;
            if (i < unsigned.Length && unsigned[i] is '+' or '-')
            {
                i++;
            }

            if (SkipDigits(unsigned, ref i) == 0)
            {
                return double.NaN;
            }
        }

        if (i != unsigned.Length)
        {
            return double.NaN;
        }

        // The syntax is checked above; .NET's parser rounds correctly, as JavaScript's does.
        return double.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture);
    }

    private static int SkipDigits(ReadOnlySpan<char> text, ref int index)
    {
        int start = index;
        while (index < text.Length && char.IsAsciiDigit(text[index]))
        {
            index++;
        }

        return index - start;
    }
}
