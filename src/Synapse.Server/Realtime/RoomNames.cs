namespace Synapse.Server.Realtime;

/// <summary>
/// Socket.IO room names. Chat rooms are prefixed so that their ids can never collide with a
/// user's personal room or a socket id.
/// </summary>
public static class RoomNames
{
    /// <summary>The room every socket of a user joins on connect.</summary>
    public static string User(string userId) => "user:" + userId;

    /// <summary>The subscription room of a chat room.</summary>
    public static string Room(string roomId) => "room:" + roomId;
}
