using System.Text.Json;
using System.Text.Json.Serialization;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>Writes a <see cref="JsonDocument"/> through its root element, as <see cref="JsJsonElementConverter"/> does.</summary>
internal sealed class JsJsonDocumentConverter : JsonConverter<JsonDocument>
{
    public override JsonDocument Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonDocument.ParseValue(ref reader);

    public override void Write(Utf8JsonWriter writer, JsonDocument value, JsonSerializerOptions options) =>
        JsJsonElementConverter.WriteElement(writer, value.RootElement, options);
}
