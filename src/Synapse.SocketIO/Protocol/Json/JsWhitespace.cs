namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// JavaScript's <c>StrWhiteSpaceChar</c> set (WhiteSpace and LineTerminator). <c>Number()</c> trims
/// these and reads a string made only of them as 0, which socket.io-parser's loose comparisons rely on.
/// </summary>
internal static class JsWhitespace
{
    public static bool IsWhiteSpace(int codePoint) => codePoint switch
    {
        '\t' or '\n' or '\v' or '\f' or '\r' or ' ' => true,
        '\u00A0' or '\u1680' or '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u3000' or '\uFEFF' => true,
        >= '\u2000' and <= '\u200A' => true,
        _ => false,
    };

    public static ReadOnlySpan<char> Trim(ReadOnlySpan<char> text)
    {
        int start = 0;
        while (start < text.Length && IsWhiteSpace(text[start]))
        {
            start++;
        }

        int end = text.Length;
        while (end > start && IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        return text[start..end];
    }
}
