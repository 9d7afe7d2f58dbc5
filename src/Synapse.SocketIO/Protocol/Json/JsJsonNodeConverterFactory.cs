using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>Routes <see cref="JsonNode"/> and its subtypes to <see cref="JsJsonNodeConverter{TNode}"/>.</summary>
internal sealed class JsJsonNodeConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeof(JsonNode).IsAssignableFrom(typeToConvert);

    // The concrete JsonValue types are internal; a JsonNode converter serves them.
    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) => typeToConvert switch
    {
        _ when typeToConvert == typeof(JsonObject) => new JsJsonNodeConverter<JsonObject>(),
        _ when typeToConvert == typeof(JsonArray) => new JsJsonNodeConverter<JsonArray>(),
        _ when typeToConvert == typeof(JsonValue) => new JsJsonNodeConverter<JsonValue>(),
        _ => new JsJsonNodeConverter<JsonNode>(),
    };
}
