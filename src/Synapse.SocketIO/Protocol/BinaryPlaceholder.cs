using System.Text.Json;
using Synapse.SocketIO.Protocol.Json;

namespace Synapse.SocketIO.Protocol;

/// <summary>
/// The <c>{"_placeholder":true,"num":N}</c> objects that stand for binary attachments in a payload.
/// </summary>
internal static class BinaryPlaceholder
{
    public static ReadOnlySpan<byte> PlaceholderName => "_placeholder"u8;

    public static ReadOnlySpan<byte> NumName => "num"u8;

    /// <summary>
    /// Whether <paramref name="element"/> is a placeholder (an object whose <c>_placeholder</c> is
    /// <c>true</c>) and, if so, its <c>num</c> member (default when absent).
    /// </summary>
    public static bool IsPlaceholder(JsonElement element, out JsonElement num)
    {
        num = default;
        if (element.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        // JSON.parse keeps the last of duplicate members, so the last one decides here too.
        bool isPlaceholder = false;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (JsonStringReader.NameEquals(property, PlaceholderName))
            {
                isPlaceholder = property.Value.ValueKind == JsonValueKind.True;
            }
            else if (JsonStringReader.NameEquals(property, NumName))
            {
                num = property.Value;
            }
        }

        return isPlaceholder;
    }

    /// <summary>Whether <paramref name="element"/> is a placeholder for one of <paramref name="attachmentCount"/> attachments.</summary>
    public static bool TryGetIndex(JsonElement element, int attachmentCount, out int index)
    {
        index = -1;
        return IsPlaceholder(element, out JsonElement num) && TryReadIndex(num, attachmentCount, out index);
    }

    /// <summary>
    /// Whether every placeholder anywhere in <paramref name="payload"/> points at one of
    /// <paramref name="attachmentCount"/> attachments (socket.io-parser's "illegal attachments" check).
    /// </summary>
    public static bool AreValid(JsonElement payload, int attachmentCount)
    {
        switch (payload.ValueKind)
        {
            case JsonValueKind.Object:
                if (IsPlaceholder(payload, out JsonElement num))
                {
                    return TryReadIndex(num, attachmentCount, out _);
                }

                foreach (JsonProperty property in payload.EnumerateObject())
                {
                    if (!AreValid(property.Value, attachmentCount))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Array:
                foreach (JsonElement item in payload.EnumerateArray())
                {
                    if (!AreValid(item, attachmentCount))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }

    // socket.io-parser accepts any number in range; a fractional one there silently yields undefined,
    // here it is rejected.
    private static bool TryReadIndex(JsonElement num, int attachmentCount, out int index)
    {
        index = -1;
        if (num.ValueKind != JsonValueKind.Number || !num.TryGetDouble(out double value)
            || value < 0 || value >= attachmentCount || value != Math.Floor(value))
        {
            return false;
        }

        index = (int)value;
        return true;
    }
}
