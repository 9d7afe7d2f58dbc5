using System.Collections;
using System.Text.Json;
using Synapse.SocketIO.Protocol;
using Synapse.SocketIO.Protocol.Json;

namespace Synapse.SocketIO;

/// <summary>
/// The arguments of a received event or acknowledgement: JSON values whose binary placeholders
/// resolve to the packet's attachments when read with <see cref="GetValue{T}(int)"/>.
/// </summary>
public sealed class SocketIOArguments : IReadOnlyList<JsonElement>
{
    private static readonly SocketIOPacket EmptyPacket = new(SocketIOPacketType.Ack, "/", null, null, []);
    private readonly SocketIOPacket _packet;
    private readonly JsonElement[] _values;
    private readonly JsonSerializerOptions _options;

    internal SocketIOArguments(SocketIOPacket packet, int skip, JsonSerializerOptions options)
    {
        _packet = packet;
        _options = options;
        if (packet.Payload is { ValueKind: JsonValueKind.Array } payload)
        {
            var length = payload.GetArrayLength();
            _values = new JsonElement[Math.Max(0, length - skip)];
            var i = 0;
            foreach (var element in payload.EnumerateArray())
            {
                if (i >= skip)
                {
                    _values[i - skip] = element;
                }

                i++;
            }
        }
        else
        {
            _values = [];
        }
    }

    /// <summary>No arguments.</summary>
    public static SocketIOArguments Empty { get; } = new(EmptyPacket, 0, JsonSerializerOptions.Default);

    /// <summary>How many arguments there are.</summary>
    public int Count => _values.Length;

    /// <summary>An argument as raw JSON (binary values appear as placeholders).</summary>
    public JsonElement this[int index] => _values[index];

    /// <summary>
    /// Whether the client asked for an acknowledgement (it passed a callback). An injected
    /// <see cref="AckCallback"/> is a harmless no-op when it did not.
    /// </summary>
    public bool AckRequested => _packet.IsEvent && _packet.AckId is not null;

    /// <summary>The binary attachments of the packet, in placeholder order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Attachments => _packet.Attachments;

    /// <summary>
    /// Reads an argument as <typeparamref name="T"/>. Binary values (<c>byte[]</c>,
    /// <c>ReadOnlyMemory&lt;byte&gt;</c>, ...) at any depth come from the attachments.
    /// A missing argument reads as default.
    /// </summary>
    /// <exception cref="JsonException">The argument does not fit <typeparamref name="T"/>.</exception>
    public T? GetValue<T>(int index) => index < _values.Length ? _packet.Deserialize<T>(_values[index], _options) : default;

    /// <summary>Reads an argument as <paramref name="type"/>; see <see cref="GetValue{T}(int)"/>.</summary>
    public object? GetValue(int index, Type type)
    {
        if (index < _values.Length)
        {
            return _packet.Deserialize(_values[index], type, _options);
        }

        return type.IsValueType && Nullable.GetUnderlyingType(type) is null ? Activator.CreateInstance(type) : null;
    }

    /// <summary>
    /// The arguments as plain .NET values, the way JavaScript sees them: objects become
    /// dictionaries, arrays lists, numbers <c>double</c> (or <c>long</c> when integral),
    /// placeholders <c>byte[]</c>. Re-emitting these reproduces the original packet.
    /// </summary>
    public object?[] ToObjects()
    {
        var result = new object?[_values.Length];
        for (var i = 0; i < _values.Length; i++)
        {
            result[i] = ToObject(_values[i]);
        }

        return result;
    }

    /// <inheritdoc />
    public IEnumerator<JsonElement> GetEnumerator() => ((IEnumerable<JsonElement>)_values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The arguments as a JSON array, for logs.</summary>
    public override string ToString() => "[" + string.Join(",", _values.Select(v => v.GetRawText())) + "]";

    private object? ToObject(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (_packet.TryGetAttachment(element, out var data))
                {
                    return data.ToArray();
                }

                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    map[JsonStringReader.GetName(property)] = ToObject(property.Value);
                }

                return map;
            case JsonValueKind.Array:
                var list = new List<object?>(element.GetArrayLength());
                foreach (var item in element.EnumerateArray())
                {
                    list.Add(ToObject(item));
                }

                return list;
            case JsonValueKind.String:
                return JsonStringReader.GetString(element);
            case JsonValueKind.Number:
                return element.TryGetInt64(out var integer) ? integer : (object)element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }
}
