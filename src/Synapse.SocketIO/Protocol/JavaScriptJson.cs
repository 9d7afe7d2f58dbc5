using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Synapse.SocketIO.Protocol.Json;
using Synapse.SocketIO.Protocol.MessagePack;

namespace Synapse.SocketIO.Protocol;

/// <summary>
/// JSON as JavaScript's <c>JSON.stringify</c> and <c>JSON.parse</c> produce and read it, for
/// messages exchanged with Node processes (cluster adapters, emitters): compact output, the same
/// string escaping and number layout, and Node's forms for what JSON lacks.
/// </summary>
public static class JavaScriptJson
{
    private const int DefaultMaxDepth = 128;

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// The UTF-8 text <c>JSON.stringify</c> gives for the JavaScript value <paramref name="value"/>
    /// stands for (see <see cref="MessagePackSerializer"/> for the mapping of .NET values):
    /// binary data becomes Node's <c>Buffer</c> form <c>{"type":"Buffer","data":[1,2]}</c>, dates
    /// ISO-8601 text (<c>2024-01-02T03:04:05.678Z</c>), NaN and infinities <c>null</c>.
    /// </summary>
    /// <param name="value">The value.</param>
    /// <param name="options">How objects that are not plain values are serialized (null: the Socket.IO defaults).</param>
    public static byte[] Stringify(object? value, JsonSerializerOptions? options = null) => Stringify(value, options, out _);

    /// <summary>
    /// <see cref="Stringify(object?, JsonSerializerOptions?)"/>, telling whether the value held
    /// binary data (which JSON can only carry as Node's Buffer form: a MessagePack encoding keeps it binary).
    /// </summary>
    public static byte[] Stringify(object? value, JsonSerializerOptions? options, out bool containsBinary)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            var walker = new Writer(writer, options);
            walker.WriteValue(value);
            containsBinary = walker.ContainsBinary;
        }

        var bytes = buffer.WrittenSpan.ToArray();
        var length = JsonStringifyEscaping.Canonicalize(bytes);
        return length == bytes.Length ? bytes : bytes[..length];
    }

    /// <summary>
    /// Reads JSON into plain values, as <c>JSON.parse</c> would: objects become
    /// <c>Dictionary&lt;string, object?&gt;</c> (in text order; a repeated key keeps its last value),
    /// arrays <c>object?[]</c>, numbers <c>long</c> when integral and in range (else <c>double</c>).
    /// </summary>
    /// <exception cref="JsonException">The text is not JSON, or nests deeper than <paramref name="maxDepth"/>.</exception>
    public static object? Parse(ReadOnlySpan<byte> utf8Json, int maxDepth = DefaultMaxDepth)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = maxDepth });
        if (!reader.Read())
        {
            throw new JsonException("No JSON value.");
        }

        var value = ReadValue(ref reader);
        if (reader.Read())
        {
            throw new JsonException("Trailing data after the JSON value.");
        }

        return value;
    }

    /// <summary>Converts a parsed element into plain values, as <see cref="Parse"/> does.</summary>
    public static object? ToPlainValue(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    map[JsonStringReader.GetName(property)] = ToPlainValue(property.Value);
                }

                return map;
            case JsonValueKind.Array:
                var array = new object?[element.GetArrayLength()];
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    array[i++] = ToPlainValue(item);
                }

                return array;
            case JsonValueKind.String:
                return JsonStringReader.GetString(element);
            case JsonValueKind.Number:
                return element.TryGetInt64(out var integer) ? integer : element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }

    /// <summary>JavaScript's <c>Date.prototype.toISOString</c>: <c>2024-01-02T03:04:05.678Z</c> (UTC, milliseconds).</summary>
    public static string ToIsoString(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);

    private static object? ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = JsonStringReader.GetString(ref reader);
                    reader.Read();
                    map[name] = ReadValue(ref reader);
                }

                return map;
            case JsonTokenType.StartArray:
                var list = new List<object?>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    list.Add(ReadValue(ref reader));
                }

                return list.ToArray();
            case JsonTokenType.String:
                return JsonStringReader.GetString(ref reader);
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var integer) ? integer : reader.GetDouble();
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.Null:
                return null;
            default:
                throw new JsonException($"Unexpected JSON token {reader.TokenType}.");
        }
    }

    private sealed class Writer(Utf8JsonWriter writer, JsonSerializerOptions? options) : JsValueWriter(options, DefaultMaxDepth)
    {
        protected override void WriteNull() => writer.WriteNullValue();

        protected override void WriteBoolean(bool value) => writer.WriteBooleanValue(value);

        protected override void WriteInteger(long value) => writer.WriteNumberValue(value);

        protected override void WriteUnsigned(ulong value) => writer.WriteNumberValue(value);

        protected override void WriteNumber(double value) => JsDoubleConverter.WriteNumber(writer, value);

        protected override void WriteString(string value) => JsonStringifyEscaping.WriteStringValue(writer, value);

        public bool ContainsBinary { get; private set; }

        protected override void WriteBinary(ReadOnlySpan<byte> value)
        {
            ContainsBinary = true;

            // Buffer.prototype.toJSON.
            writer.WriteStartObject();
            writer.WriteString("type"u8, "Buffer"u8);
            writer.WriteStartArray("data"u8);
            foreach (var b in value)
            {
                writer.WriteNumberValue(b);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        protected override void WriteTimestamp(DateTimeOffset value) => writer.WriteStringValue(ToIsoString(value));

        protected override void WriteExtension(MessagePackExtension value)
        {
            ContainsBinary = true;

            // What notepack decodes it to: [type, Buffer].
            writer.WriteStartArray();
            writer.WriteNumberValue(value.Type);
            WriteBinary(value.Data);
            writer.WriteEndArray();
        }

        protected override void StartArray(int count) => writer.WriteStartArray();

        protected override void EndArray() => writer.WriteEndArray();

        protected override void StartMap(int count) => writer.WriteStartObject();

        protected override void WriteKey(string key) => writer.WritePropertyName(key);

        protected override void EndMap() => writer.WriteEndObject();
    }
}
