using Synapse.SocketIO;

namespace Synapse.Server.Realtime;

/// <summary>Questions about which of a user's sockets are subscribed to a room.</summary>
internal static class RoomSubscriptions
{
    /// <summary>
    /// Whether another socket of the user (not <paramref name="exceptSocketId"/>) is in the
    /// Socket.IO room, on any node: with the Redis adapter the other nodes are asked. If they
    /// cannot answer (Redis unreachable), this node's sockets decide.
    /// </summary>
    public static async Task<bool> HasOtherSocketInAsync(SocketIOServer io, string userId, string room, string exceptSocketId)
    {
        try
        {
            var sockets = await io.In(RoomNames.User(userId)).FetchSocketsAsync();
            return sockets.Any(s => s.Id != exceptSocketId && s.Rooms.Contains(room));
        }
        catch (TimeoutException)
        {
            var adapter = io.Sockets.Adapter;
            var socketIds = await adapter.SocketsAsync(new HashSet<string>(StringComparer.Ordinal) { RoomNames.User(userId) });
            return socketIds.Any(id => id != exceptSocketId && (adapter.SocketRooms(id)?.Contains(room) ?? false));
        }
    }

    /// <summary>
    /// Emits to the given Socket.IO rooms except the user's own sockets. Does nothing for an empty
    /// list: a broadcast operator without rooms would reach every socket.
    /// </summary>
    public static void EmitToRoomsExceptUser(SocketIOServer io, IReadOnlyCollection<string> rooms, string userId, string eventName, object payload)
    {
        if (rooms.Count > 0)
        {
            io.To([.. rooms]).Except(RoomNames.User(userId)).Emit(eventName, payload);
        }
    }

    /// <summary>Emits to the personal rooms of the given users. Does nothing for an empty list.</summary>
    public static void EmitToUsers(SocketIOServer io, IEnumerable<string> userIds, string eventName, object payload)
    {
        var rooms = userIds.Distinct(StringComparer.Ordinal).Select(RoomNames.User).ToArray();
        if (rooms.Length > 0)
        {
            io.To(rooms).Emit(eventName, payload);
        }
    }
}
