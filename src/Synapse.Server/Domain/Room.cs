namespace Synapse.Server.Domain;

/// <summary>A conversation: a named public or private room, or the direct-message room of two users.</summary>
/// <param name="Id">Stable id (<c>room_…</c>).</param>
/// <param name="Name">Display name (for a direct room, the two user names).</param>
/// <param name="IsPrivate">Only members may read, join or see it.</param>
/// <param name="IsDirect">The direct-message room of two users (always private, fixed members, no owner).</param>
/// <param name="OwnerId">The creator, who manages members; null for direct rooms.</param>
/// <param name="CreatedAt">When the room was created.</param>
public sealed record Room(string Id, string Name, bool IsPrivate, bool IsDirect, string? OwnerId, DateTimeOffset CreatedAt);

/// <summary>A room as listed for one user.</summary>
/// <param name="Room">The room.</param>
/// <param name="MemberCount">How many members it has.</param>
/// <param name="IsMember">Whether the listing user is a member.</param>
public sealed record RoomListing(Room Room, int MemberCount, bool IsMember);

/// <summary>A member of a room.</summary>
/// <param name="UserId">The member's user id.</param>
/// <param name="UserName">The member's user name.</param>
/// <param name="DisplayName">The member's display name.</param>
/// <param name="JoinedAt">When they became a member.</param>
public sealed record RoomMember(string UserId, string UserName, string DisplayName, DateTimeOffset JoinedAt);
