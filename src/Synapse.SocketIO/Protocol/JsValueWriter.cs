using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Synapse.SocketIO.Protocol.Json;
using Synapse.SocketIO.Protocol.MessagePack;

namespace Synapse.SocketIO.Protocol;

/// <summary>
/// Walks a .NET value the way JavaScript would see it after it crossed the wire, and hands each
/// part to a format (MessagePack, JSON.stringify). Plain values (null, booleans, numbers,
/// strings, binary, dates, dictionaries, sequences, <see cref="JsonElement"/>) are walked
/// directly; any other object goes through System.Text.Json with the Socket.IO options first,
/// so it has exactly the shape local clients receive (camelCase, binary at any depth).
/// </summary>
internal abstract class JsValueWriter
{
    private static readonly ConditionalWeakTable<JsonSerializerOptions, JsonSerializerOptions> s_wireOptions = new();

    protected JsValueWriter(JsonSerializerOptions? options, int maxDepth)
    {
        Options = WireOptions(options);
        MaxDepth = maxDepth;
    }

    protected JsonSerializerOptions Options { get; }

    protected int MaxDepth { get; }

    /// <summary>The Socket.IO flavour of <paramref name="options"/> (binary placeholders, JavaScript numbers).</summary>
    internal static JsonSerializerOptions WireOptions(JsonSerializerOptions? options)
    {
        if (options is null)
        {
            return SocketIOPacketEncoder.Default.SerializerOptions;
        }

        foreach (var converter in options.Converters)
        {
            if (converter is BinaryPlaceholderConverter<byte[]>)
            {
                return options;
            }
        }

        return s_wireOptions.GetValue(options, static o => SocketIOJsonSerializerOptions.Create(o));
    }

    public void WriteValue(object? value) => WriteValue(value, 0);

    protected abstract void WriteNull();

    protected abstract void WriteBoolean(bool value);

    protected abstract void WriteInteger(long value);

    protected abstract void WriteUnsigned(ulong value);

    /// <summary>A JavaScript number (integral values are integers).</summary>
    protected abstract void WriteNumber(double value);

    protected abstract void WriteString(string value);

    protected abstract void WriteBinary(ReadOnlySpan<byte> value);

    protected abstract void WriteTimestamp(DateTimeOffset value);

    protected abstract void WriteExtension(MessagePackExtension value);

    protected abstract void StartArray(int count);

    protected abstract void EndArray();

    protected abstract void StartMap(int count);

    protected abstract void WriteKey(string key);

    protected abstract void EndMap();

    private void WriteValue(object? value, int depth)
    {
        switch (value)
        {
            case null:
                WriteNull();
                return;
            case string text:
                WriteString(text);
                return;
            case bool flag:
                WriteBoolean(flag);
                return;
            case int number:
                WriteInteger(number);
                return;
            case long number:
                WriteInteger(number);
                return;
            case double number:
                WriteNumber(number);
                return;
            case byte[] bytes:
                WriteBinary(bytes);
                return;
            case short number:
                WriteInteger(number);
                return;
            case sbyte number:
                WriteInteger(number);
                return;
            case byte number:
                WriteInteger(number);
                return;
            case ushort number:
                WriteInteger(number);
                return;
            case uint number:
                WriteInteger(number);
                return;
            case ulong number:
                WriteUnsigned(number);
                return;
            case nint number:
                WriteInteger(number);
                return;
            case nuint number:
                WriteUnsigned(number);
                return;
            case float number:
                WriteNumber(number);
                return;
            case Half number:
                WriteNumber((double)number);
                return;
            case decimal number:
                WriteNumber((double)number);
                return;
            case char character:
                WriteString(character.ToString());
                return;
            case ReadOnlyMemory<byte> memory:
                WriteBinary(memory.Span);
                return;
            case Memory<byte> memory:
                WriteBinary(memory.Span);
                return;
            case ArraySegment<byte> segment:
                WriteBinary(segment);
                return;
            case DateTimeOffset date:
                WriteTimestamp(date);
                return;
            case DateTime date:
                WriteTimestamp(date.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(date, DateTimeKind.Utc)) : new DateTimeOffset(date));
                return;
            case MessagePackExtension extension:
                WriteExtension(extension);
                return;
            case JsonElement element:
                WriteElement(element, null, depth);
                return;
            case JsonDocument document:
                WriteElement(document.RootElement, null, depth);
                return;
        }

        CheckDepth(depth);
        switch (value)
        {
            case IDictionary<string, object?> map:
                StartMap(map.Count);
                foreach (var (key, item) in map)
                {
                    WriteKey(key);
                    WriteValue(item, depth + 1);
                }

                EndMap();
                return;
            case IReadOnlyDictionary<string, object?> map:
                StartMap(map.Count);
                foreach (var (key, item) in map)
                {
                    WriteKey(key);
                    WriteValue(item, depth + 1);
                }

                EndMap();
                return;
            case IDictionary map:
                StartMap(map.Count);
                foreach (DictionaryEntry entry in map)
                {
                    WriteKey(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "null");
                    WriteValue(entry.Value, depth + 1);
                }

                EndMap();
                return;
            case object?[] array:
                StartArray(array.Length);
                foreach (var item in array)
                {
                    WriteValue(item, depth + 1);
                }

                EndArray();
                return;
            case IList list:
                StartArray(list.Count);
                for (var i = 0; i < list.Count; i++)
                {
                    WriteValue(list[i], depth + 1);
                }

                EndArray();
                return;
            case ICollection collection:
                StartArray(collection.Count);
                foreach (var item in collection)
                {
                    WriteValue(item, depth + 1);
                }

                EndArray();
                return;
            case IEnumerable sequence when !IsJsonObject(value):
                var items = new List<object?>();
                foreach (var item in sequence)
                {
                    items.Add(item);
                }

                StartArray(items.Count);
                foreach (var item in items)
                {
                    WriteValue(item, depth + 1);
                }

                EndArray();
                return;
        }

        WriteThroughJson(value, depth);
    }

    // JsonObject is enumerable (of pairs) but is an object.
    private static bool IsJsonObject(object value) => value is System.Text.Json.Nodes.JsonObject;

    private void WriteThroughJson(object value, int depth)
    {
        var attachments = new List<ReadOnlyMemory<byte>>();
        byte[] json;
        using (BinaryAttachmentScope.Collect(attachments))
        {
            json = JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), Options);
        }

        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = Math.Max(1, MaxDepth - depth) });
        WriteElement(document.RootElement, attachments, depth);
    }

    private void WriteElement(JsonElement element, List<ReadOnlyMemory<byte>>? attachments, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (attachments is { Count: > 0 } && BinaryPlaceholder.TryGetIndex(element, attachments.Count, out var index))
                {
                    WriteBinary(attachments[index].Span);
                    return;
                }

                CheckDepth(depth);
                StartMap(element.GetPropertyCount());
                foreach (var property in element.EnumerateObject())
                {
                    WriteKey(property.Name);
                    WriteElement(property.Value, attachments, depth + 1);
                }

                EndMap();
                return;
            case JsonValueKind.Array:
                CheckDepth(depth);
                StartArray(element.GetArrayLength());
                foreach (var item in element.EnumerateArray())
                {
                    WriteElement(item, attachments, depth + 1);
                }

                EndArray();
                return;
            case JsonValueKind.String:
                WriteString(Json.JsonStringReader.GetString(element));
                return;
            case JsonValueKind.Number:
                if (element.TryGetInt64(out var integer))
                {
                    WriteInteger(integer);
                }
                else if (element.TryGetUInt64(out var unsigned))
                {
                    WriteUnsigned(unsigned);
                }
                else
                {
                    WriteNumber(element.GetDouble());
                }

                return;
            case JsonValueKind.True:
                WriteBoolean(true);
                return;
            case JsonValueKind.False:
                WriteBoolean(false);
                return;
            default:
                WriteNull();
                return;
        }
    }

    private void CheckDepth(int depth)
    {
        if (depth >= MaxDepth)
        {
            throw new InvalidOperationException($"The value is nested more than {MaxDepth} levels deep (a cycle?).");
        }
    }
}
