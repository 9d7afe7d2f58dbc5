using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// Writes a <see cref="JsonNode"/> as JSON.stringify would. A node's values may hold .NET primitives
/// that System.Text.Json prints its own way (<c>1E+21</c>), so the node is written out once and then
/// re-printed through <see cref="JsonElementStringifier"/>; nodes are not the hot path.
/// </summary>
internal sealed class JsJsonNodeConverter<TNode> : JsonConverter<TNode>
    where TNode : JsonNode
{
    private static readonly JsonWriterOptions s_scratchWriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public override TNode? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var nodeOptions = new JsonNodeOptions { PropertyNameCaseInsensitive = options.PropertyNameCaseInsensitive };
        return JsonNode.Parse(ref reader, nodeOptions) as TNode
            ?? throw new JsonException($"The JSON value could not be converted to {typeof(TNode).Name}.");
    }

    public override void Write(Utf8JsonWriter writer, TNode value, JsonSerializerOptions options)
    {
        using var scratch = new PooledBufferWriter();
        using (var scratchWriter = new Utf8JsonWriter(scratch, s_scratchWriterOptions))
        {
            value.WriteTo(scratchWriter, options);
        }

        using JsonDocument document = JsonDocument.Parse(scratch.WrittenMemory);
        JsJsonElementConverter.WriteElement(writer, document.RootElement, options);
    }
}
