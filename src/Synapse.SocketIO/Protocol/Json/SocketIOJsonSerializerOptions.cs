using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>Builds the serializer options the encoder writes with and argument binders read with.</summary>
internal static class SocketIOJsonSerializerOptions
{
    /// <summary>
    /// Copies <paramref name="userOptions"/> (or the Web defaults: .NET objects reach JavaScript clients
    /// in camelCase) and adds what the wire format needs: compact output, binary placeholders, and
    /// JSON.stringify's numbers and strings. The user's own converters keep precedence.
    /// </summary>
    public static JsonSerializerOptions Create(JsonSerializerOptions? userOptions)
    {
        var options = userOptions is null
            ? new JsonSerializerOptions(JsonSerializerDefaults.Web)
            : new JsonSerializerOptions(userOptions);

        options.WriteIndented = false;

        // Whatever it escapes is rewritten to JSON.stringify's escapes afterwards; the relaxed encoder
        // just leaves less to rewrite.
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

        foreach (JsonConverter converter in CreateConverters())
        {
            options.Converters.Add(converter);
        }

        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private static JsonConverter[] CreateConverters() =>
    [
        new JsStringConverter(),
        new JsDoubleConverter(),
        new JsSingleConverter(),
        new JsHalfConverter(),
        new JsDecimalConverter(),
        new JsJsonElementConverter(),
        new JsJsonDocumentConverter(),
        new JsJsonNodeConverterFactory(),
        new BinaryPlaceholderConverter<byte[]>(static bytes => bytes, ToArray),
        new BinaryPlaceholderConverter<ReadOnlyMemory<byte>>(static memory => memory, static memory => memory),
        new BinaryPlaceholderConverter<Memory<byte>>(static memory => memory, MemoryMarshal.AsMemory),
        new BinaryPlaceholderConverter<ArraySegment<byte>>(static segment => segment, ToSegment),
    ];

    // Received attachments belong to the packet, so a whole array is handed out without a copy.
    private static byte[] ToArray(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out ArraySegment<byte> segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : memory.ToArray();

    private static ArraySegment<byte> ToSegment(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out ArraySegment<byte> segment) ? segment : new ArraySegment<byte>(memory.ToArray());
}
