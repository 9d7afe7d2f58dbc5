using Synapse.Server.Domain;

namespace Synapse.Server.Storage;

/// <summary>Rooms and their members.</summary>
public interface IRoomStore
{
    /// <summary>Creates a room with its members (the owner included) in one transaction.</summary>
    Task CreateRoomAsync(Room room, IReadOnlyCollection<string> memberIds, CancellationToken cancellationToken);

    /// <summary>
    /// The direct room of two users: the existing one, or <paramref name="candidate"/> created with both
    /// as members. Race-free: concurrent calls for the same pair yield the same room.
    /// </summary>
    Task<(Room Room, bool Created)> GetOrCreateDirectRoomAsync(Room candidate, string userId, string otherUserId, CancellationToken cancellationToken);

    /// <summary>The room, or null.</summary>
    Task<Room?> GetRoomAsync(string roomId, CancellationToken cancellationToken);

    /// <summary>The rooms <paramref name="userId"/> belongs to and every public room, oldest first.</summary>
    Task<IReadOnlyList<RoomListing>> ListRoomsAsync(string userId, CancellationToken cancellationToken);

    /// <summary>The ids of the rooms <paramref name="userId"/> belongs to.</summary>
    Task<IReadOnlyList<string>> GetRoomIdsOfUserAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Whether the user is a member of the room.</summary>
    Task<bool> IsMemberAsync(string roomId, string userId, CancellationToken cancellationToken);

    /// <summary>The members of the room, in joining order.</summary>
    Task<IReadOnlyList<RoomMember>> GetMembersAsync(string roomId, CancellationToken cancellationToken);

    /// <summary>Adds a member; false when already one.</summary>
    Task<bool> AddMemberAsync(string roomId, string userId, DateTimeOffset joinedAt, CancellationToken cancellationToken);

    /// <summary>Removes a member; false when not one.</summary>
    Task<bool> RemoveMemberAsync(string roomId, string userId, CancellationToken cancellationToken);
}
