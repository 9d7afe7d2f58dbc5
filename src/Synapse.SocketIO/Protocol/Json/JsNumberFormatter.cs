using System.Globalization;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// Formats numbers as JavaScript's <c>Number.prototype.toString()</c> does (and so as <c>JSON.stringify</c>
/// does for finite numbers): the shortest digits that round-trip, laid out in fixed notation for
/// decimal exponents in [-7, 21) and otherwise as <c>1.5e+21</c> / <c>1e-7</c>.
/// </summary>
internal static class JsNumberFormatter
{
    /// <summary>Enough room for any formatted finite double (the longest is about 25 bytes).</summary>
    public const int MaxLength = 32;

    // Integers below this are printed digit for digit by every layout rule, so they skip the digit analysis.
    private const double PlainIntegerLimit = 1e15;

    /// <summary>Formats a finite double; the caller handles NaN and infinities.</summary>
    public static int Format(double value, Span<byte> destination)
    {
        if (Math.Abs(value) < PlainIntegerLimit && value == Math.Floor(value))
        {
            // (long)-0.0 is 0, which is also how JavaScript prints negative zero.
            ((long)value).TryFormat(destination, out int written, default, CultureInfo.InvariantCulture);
            return written;
        }

        Span<byte> shortest = stackalloc byte[MaxLength];
        value.TryFormat(shortest, out int length, "R", CultureInfo.InvariantCulture);
        return Layout(shortest[..length], destination);
    }

    /// <summary>
    /// Formats a finite float with the shortest digits that round-trip as a float (1.1f is "1.1",
    /// not the "1.100000023841858" of its widened double), laid out as JavaScript would.
    /// </summary>
    public static int Format(float value, Span<byte> destination)
    {
        Span<byte> shortest = stackalloc byte[MaxLength];
        value.TryFormat(shortest, out int length, "R", CultureInfo.InvariantCulture);
        return Layout(shortest[..length], destination);
    }

    /// <summary>Formats a finite half with its own shortest round-trip digits.</summary>
    public static int Format(Half value, Span<byte> destination)
    {
        Span<byte> shortest = stackalloc byte[MaxLength];
        ((IUtf8SpanFormattable)value).TryFormat(shortest, out int length, "R", CultureInfo.InvariantCulture);
        return Layout(shortest[..length], destination);
    }

    /// <summary>
    /// Re-lays out .NET's round-trip text ("-1.2345E+25", "1E-07", "0.001", "123.45") following
    /// ECMAScript Number::toString with the same digits.
    /// </summary>
    private static int Layout(ReadOnlySpan<byte> roundTrip, Span<byte> destination)
    {
        int pos = 0;
        bool negative = roundTrip[0] == '-';
        if (negative)
        {
            pos++;
        }

        Span<byte> digits = stackalloc byte[MaxLength];
        int k = 0;
        int mantissaDigits = 0;
        int leadingZeros = 0;
        int pointAt = -1;
        for (; pos < roundTrip.Length && roundTrip[pos] is not ((byte)'E' or (byte)'e'); pos++)
        {
            byte c = roundTrip[pos];
            if (c == '.')
            {
                pointAt = mantissaDigits;
                continue;
            }

            mantissaDigits++;
            if (k == 0 && c == '0')
            {
                leadingZeros++;
                continue;
            }

            digits[k++] = c;
        }

        int exponent = 0;
        if (pos < roundTrip.Length)
        {
            pos++;
            bool negativeExponent = roundTrip[pos] == '-';
            if (roundTrip[pos] is (byte)'-' or (byte)'+')
            {
                pos++;
            }

            for (; pos < roundTrip.Length; pos++)
            {
                exponent = (exponent * 10) + (roundTrip[pos] - '0');
            }

            if (negativeExponent)
            {
                exponent = -exponent;
            }
        }

        while (k > 0 && digits[k - 1] == '0')
        {
            k--;
        }

        if (k == 0)
        {
            destination[0] = (byte)'0';
            return 1;
        }

        // value = 0.d1d2...dk × 10^n, the "n" of the specification.
        int n = (pointAt < 0 ? mantissaDigits : pointAt) - leadingZeros + exponent;
        int w = 0;
        if (negative)
        {
            destination[w++] = (byte)'-';
        }

        if (k <= n && n <= 21)
        {
            digits[..k].CopyTo(destination[w..]);
            w += k;
            destination.Slice(w, n - k).Fill((byte)'0');
            w += n - k;
        }
        else if (0 < n && n <= 21)
        {
            digits[..n].CopyTo(destination[w..]);
            w += n;
            destination[w++] = (byte)'.';
            digits[n..k].CopyTo(destination[w..]);
            w += k - n;
        }
        else if (-6 < n && n <= 0)
        {
            destination[w++] = (byte)'0';
            destination[w++] = (byte)'.';
            destination.Slice(w, -n).Fill((byte)'0');
            w += -n;
            digits[..k].CopyTo(destination[w..]);
            w += k;
        }
        else
        {
            destination[w++] = digits[0];
            if (k > 1)
            {
                destination[w++] = (byte)'.';
                digits[1..k].CopyTo(destination[w..]);
                w += k - 1;
            }

            int e = n - 1;
            destination[w++] = (byte)'e';
            destination[w++] = e < 0 ? (byte)'-' : (byte)'+';
            Math.Abs(e).TryFormat(destination[w..], out int expLength, default, CultureInfo.InvariantCulture);
            w += expLength;
        }

        return w;
    }
}
