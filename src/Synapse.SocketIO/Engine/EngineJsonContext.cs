using System.Text.Json.Serialization;

namespace Synapse.SocketIO.Engine;

internal sealed record EngineOpenPacket(
    [property: JsonPropertyName("sid")] string Sid,
    [property: JsonPropertyName("upgrades")] string[] Upgrades,
    [property: JsonPropertyName("pingInterval")] long PingInterval,
    [property: JsonPropertyName("pingTimeout")] long PingTimeout,
    [property: JsonPropertyName("maxPayload")] long MaxPayload);

internal sealed record EngineErrorBody(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message);

[JsonSerializable(typeof(EngineOpenPacket))]
[JsonSerializable(typeof(EngineErrorBody))]
internal sealed partial class EngineJsonContext : JsonSerializerContext;
