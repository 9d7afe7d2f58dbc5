using System.Text.Json;
using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>
/// What the socket layer does with a decoded packet, minus the handlers: reads the arguments as
/// plain values (placeholders resolved to attachments) and binds each to a typed parameter.
/// </summary>
internal static class PacketConsumer
{
    private static readonly JsonSerializerOptions Options = new SocketIOPacketEncoder().SerializerOptions;

    public static void Consume(SocketIOPacket packet)
    {
        if (packet.Payload is not { } payload)
        {
            return;
        }

        if (payload.ValueKind != JsonValueKind.Array)
        {
            _ = JavaScriptJson.ToPlainValue(payload);
            return;
        }

        var arguments = new SocketIOArguments(packet, packet.IsEvent ? 1 : 0, Options);
        _ = arguments.ToObjects();
        _ = arguments.ToString();
        for (var i = 0; i < arguments.Count && i < 4; i++)
        {
            var element = arguments[i];
            _ = packet.TryGetAttachment(element, out _);
            Bind<byte[]>(arguments, i);
            Bind<ReadOnlyMemory<byte>>(arguments, i);
            Bind<string>(arguments, i);
            Bind<long>(arguments, i);
            Bind<double>(arguments, i);
            Bind<Dictionary<string, object?>>(arguments, i);
            Bind<object?[]>(arguments, i);
        }
    }

    // A value that does not fit the parameter is the documented JsonException.
    private static void Bind<T>(SocketIOArguments arguments, int index)
    {
        try
        {
            _ = arguments.GetValue<T>(index);
        }
        catch (JsonException)
        {
        }
    }
}
