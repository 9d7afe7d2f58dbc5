using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO.Adapters;

/// <summary>
/// A packet on its way out, before encoding: what an adapter receives, and what a cluster
/// adapter ships to other nodes. <see cref="Data"/> is Node's <c>packet.data</c>: for an event,
/// the event name followed by its arguments.
/// </summary>
public sealed record OutgoingPacket(SocketIOPacketType Type, string Namespace, object?[] Data)
{
    /// <summary>Ack id, set for broadcasts that expect acknowledgements.</summary>
    public long? Id { get; init; }

    /// <summary>Creates an event packet.</summary>
    public static OutgoingPacket Event(string nsp, string eventName, object?[] args)
    {
        var data = new object?[args.Length + 1];
        data[0] = eventName;
        args.CopyTo(data, 1);
        return new OutgoingPacket(SocketIOPacketType.Event, nsp, data);
    }
}
