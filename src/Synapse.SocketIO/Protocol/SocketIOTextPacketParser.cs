using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Synapse.SocketIO.Protocol.Json;

namespace Synapse.SocketIO.Protocol;

/// <summary>
/// Reads the text form of a packet, <c>&lt;type&gt;[&lt;attachments&gt;-][&lt;namespace&gt;,][&lt;id&gt;][&lt;json&gt;]</c>,
/// the way socket.io-parser's <c>decodeString</c> does, quirks included, and then applies its
/// <c>isPacketValid</c> rules.
/// </summary>
/// <remarks>
/// socket.io-parser tests characters with JavaScript's <c>Number()</c> and loose equality, under which
/// whitespace counts as the digit 0. Hence: an empty message or one starting with whitespace is a
/// CONNECT; the attachment count is any <c>Number()</c> literal (<c>" 2"</c>, <c>"0x2"</c>, <c>"2e0"</c>, or
/// nothing, which is 0); and whitespace around the id's digits belongs to the id (<c>"2 [..]"</c> has id 0).
/// Deliberate differences, all rejecting input socket.io-parser would pass on half-formed: an id with
/// inner whitespace (its NaN) or beyond <see cref="long.MaxValue"/> is refused; EVENT, ACK and
/// CONNECT_ERROR packets without payload are refused (as <c>isPacketValid</c> does); placeholders are
/// checked as soon as the header is read and must have integer numbers.
/// Reserved event names are left to the socket layer.
/// </remarks>
internal static class SocketIOTextPacketParser
{
    public static bool TryParse(
        ReadOnlyMemory<byte> message,
        SocketIODecoderOptions options,
        out ParsedTextPacket packet,
        [NotNullWhen(false)] out string? error)
    {
        packet = default;
        if (!Utf8.IsValid(message.Span))
        {
            // Engine.IO hands over text that JavaScript would have decoded with U+FFFD replacements.
            message = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(message.Span));
        }

        ReadOnlySpan<byte> text = message.Span;
        if (!TryReadType(text, out SocketIOPacketType type, out int pos, out error))
        {
            return false;
        }

        int attachments = 0;
        if (type is SocketIOPacketType.BinaryEvent or SocketIOPacketType.BinaryAck)
        {
            if (!TryReadAttachmentCount(text, options, ref pos, out attachments, out error))
            {
                return false;
            }
        }

        ReadOnlyMemory<byte> nsp = default;
        if (pos < text.Length && text[pos] == '/')
        {
            int comma = text[pos..].IndexOf((byte)',');
            int end = comma < 0 ? text.Length : pos + comma;
            nsp = message[pos..end];
            pos = comma < 0 ? text.Length : end + 1;
        }

        long? ackId = null;
        bool ackIdValid = true;
        int idStart = pos;
        while (pos < text.Length && TryAdvanceIdChar(text, ref pos))
        {
        }

        if (pos > idStart)
        {
            ackIdValid = TryParseAckId(text[idStart..pos], out long id);
            ackId = id;
        }

        JsonElement? payload = null;
        if (pos < text.Length)
        {
            if (!TryParsePayload(message[pos..], options.MaxDepth, out JsonElement json, out error))
            {
                return false;
            }

            payload = json;
        }

        if (!IsPayloadValid(type, payload))
        {
            error = "invalid payload";
            return false;
        }

        // With no attachment announced socket.io-parser never looks for placeholders, so neither do we.
        if (attachments > 0 && !BinaryPlaceholder.AreValid(payload!.Value, attachments))
        {
            error = "illegal attachments";
            return false;
        }

        // socket.io-parser notices a NaN id only in isPacketValid, after the payload checks.
        if (!ackIdValid)
        {
            error = "invalid ack id";
            return false;
        }

        packet = new ParsedTextPacket(type, nsp, ackId, payload, attachments);
        return true;
    }

    private static bool TryReadType(ReadOnlySpan<byte> text, out SocketIOPacketType type, out int next, [NotNullWhen(false)] out string? error)
    {
        type = SocketIOPacketType.Connect;
        error = null;
        if (text.IsEmpty)
        {
            next = 0;
            return true;
        }

        Rune.DecodeFromUtf8(text, out Rune first, out next);
        if (first.IsAscii && char.IsAsciiDigit((char)first.Value))
        {
            int digit = first.Value - '0';
            if (digit > (int)SocketIOPacketType.BinaryAck)
            {
                error = $"unknown packet type {digit}";
                return false;
            }

            type = (SocketIOPacketType)digit;
            return true;
        }

        if (JsWhitespace.IsWhiteSpace(first.Value))
        {
            return true;
        }

        error = "unknown packet type NaN";
        return false;
    }

    private static bool TryReadAttachmentCount(
        ReadOnlySpan<byte> text,
        SocketIODecoderOptions options,
        ref int pos,
        out int count,
        [NotNullWhen(false)] out string? error)
    {
        count = 0;
        error = null;
        int dash = text[pos..].IndexOf((byte)'-');
        if (dash < 0)
        {
            error = "Illegal attachments";
            return false;
        }

        double value = JsNumberParser.ToNumber(text.Slice(pos, dash));
        if (!double.IsFinite(value) || value < 0 || value != Math.Floor(value))
        {
            error = "Illegal attachments";
            return false;
        }

        if (value > options.MaxAttachments)
        {
            error = "too many attachments";
            return false;
        }

        count = (int)value;
        pos += dash + 1;
        return true;
    }

    // An id character is one that JavaScript's loose "Number(c) == c" accepts: a digit or whitespace.
    private static bool TryAdvanceIdChar(ReadOnlySpan<byte> text, ref int pos)
    {
        byte b = text[pos];
        if (b < 0x80)
        {
            if (char.IsAsciiDigit((char)b) || JsWhitespace.IsWhiteSpace(b))
            {
                pos++;
                return true;
            }

            return false;
        }

        Rune.DecodeFromUtf8(text[pos..], out Rune rune, out int length);
        if (JsWhitespace.IsWhiteSpace(rune.Value))
        {
            pos += length;
            return true;
        }

        return false;
    }

    // Number(idText): whitespace around the digits is trimmed and whitespace alone is 0.
    private static bool TryParseAckId(ReadOnlySpan<byte> idText, out long id)
    {
        id = 0;
        int start = 0;
        while (start < idText.Length && !char.IsAsciiDigit((char)idText[start]))
        {
            start++;
        }

        int end = start;
        long value = 0;
        while (end < idText.Length && char.IsAsciiDigit((char)idText[end]))
        {
            int digit = idText[end++] - '0';
            if (value > (long.MaxValue - digit) / 10)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        // Anything after the digit run is whitespace; a second run of digits makes Number() NaN.
        if (idText[end..].IndexOfAnyInRange((byte)'0', (byte)'9') >= 0)
        {
            return false;
        }

        id = value;
        return true;
    }

    private static bool TryParsePayload(ReadOnlyMemory<byte> json, int maxDepth, out JsonElement payload, [NotNullWhen(false)] out string? error)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = maxDepth });
            payload = document.RootElement.Clone();
            error = null;
            return true;
        }
        catch (JsonException)
        {
            payload = default;
            error = ExceedsDepth(json.Span, maxDepth) ? $"invalid payload: nested deeper than {maxDepth}" : "invalid payload";
            return false;
        }
    }

    // Only run after a failed parse, to tell a depth violation from malformed JSON.
    private static bool ExceedsDepth(ReadOnlySpan<byte> json, int maxDepth)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = int.MaxValue });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= maxDepth)
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    private static bool IsPayloadValid(SocketIOPacketType type, JsonElement? payload) => type switch
    {
        SocketIOPacketType.Connect => payload is null || payload.Value.ValueKind == JsonValueKind.Object,
        SocketIOPacketType.Disconnect => payload is null,
        SocketIOPacketType.Event or SocketIOPacketType.BinaryEvent =>
            payload is { ValueKind: JsonValueKind.Array } events
            && events.GetArrayLength() > 0
            && events[0].ValueKind is JsonValueKind.String or JsonValueKind.Number,
        SocketIOPacketType.Ack or SocketIOPacketType.BinaryAck => payload is { ValueKind: JsonValueKind.Array },
        SocketIOPacketType.ConnectError => payload is { ValueKind: JsonValueKind.String or JsonValueKind.Object },
        _ => false,
    };
}
