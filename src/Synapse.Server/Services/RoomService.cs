using Synapse.Server.Domain;
using Synapse.Server.Storage;

namespace Synapse.Server.Services;

/// <summary>Rooms, membership and the access rules that go with them.</summary>
/// <remarks>
/// Public rooms are readable by every user and joining one makes you a member; private rooms
/// (direct rooms included) are readable and joinable by members only. The owner manages members;
/// anyone may leave, except the owner. Direct rooms have exactly their two members.
/// </remarks>
public sealed class RoomService(IRoomStore rooms, IUserStore users, NotificationService notifications, IRealtimePublisher publisher, TimeProvider time)
{
    /// <summary>The rooms the user belongs to and every public room.</summary>
    public Task<IReadOnlyList<RoomListing>> ListAsync(string userId, CancellationToken cancellationToken) =>
        rooms.ListRoomsAsync(userId, cancellationToken);

    /// <summary>Creates a room owned by <paramref name="owner"/>, with the given initial members.</summary>
    public async Task<Result<RoomDetails>> CreateAsync(User owner, string? name, bool? isPrivate, IReadOnlyList<string?>? memberIds, CancellationToken cancellationToken)
    {
        if (InputRules.CheckRoomName(name, out var roomName) is { } nameError)
        {
            return nameError;
        }

        if (isPrivate is null)
        {
            return AppError.Validation("isPrivate is required.");
        }

        memberIds ??= [];
        if (memberIds.Count > InputRules.MaxInitialMembers)
        {
            return AppError.Validation($"memberIds may list at most {InputRules.MaxInitialMembers} users.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var memberId in memberIds)
        {
            if (InputRules.CheckId(memberId, "memberIds[]", out var id) is { } idError)
            {
                return idError;
            }

            ids.Add(id);
        }

        ids.Remove(owner.Id);
        var found = await users.GetUsersAsync(ids, cancellationToken);
        if (found.Count != ids.Count)
        {
            var missing = ids.Except(found.Select(u => u.Id), StringComparer.Ordinal).First();
            return AppError.NotFound($"User {missing} does not exist.");
        }

        var room = new Room(Ids.NewRoomId(), roomName, isPrivate.Value, false, owner.Id, Clock.Now(time));
        await rooms.CreateRoomAsync(room, [owner.Id, .. ids], cancellationToken);
        await notifications.NotifyAddedToRoomAsync(room, owner, ids, cancellationToken);
        return new RoomDetails(room, await rooms.GetMembersAsync(room.Id, cancellationToken));
    }

    /// <summary>The direct room of <paramref name="me"/> and another user, created on first use.</summary>
    public async Task<Result<(RoomDetails Details, bool Created)>> GetOrCreateDirectAsync(User me, string? otherUserId, CancellationToken cancellationToken)
    {
        if (InputRules.CheckId(otherUserId, "userId", out var otherId) is { } idError)
        {
            return idError;
        }

        if (otherId == me.Id)
        {
            return AppError.Validation("A direct room needs another user.");
        }

        var other = await users.GetUserAsync(otherId, cancellationToken);
        if (other is null)
        {
            return AppError.NotFound("No such user.");
        }

        var names = new[] { me.UserName, other.UserName }.Order(StringComparer.OrdinalIgnoreCase);
        var candidate = new Room(Ids.NewRoomId(), string.Join(", ", names), true, true, null, Clock.Now(time));
        var (room, created) = await rooms.GetOrCreateDirectRoomAsync(candidate, me.Id, other.Id, cancellationToken);
        if (created)
        {
            await notifications.NotifyAddedToRoomAsync(room, me, [other.Id], cancellationToken);
        }

        return (new RoomDetails(room, await rooms.GetMembersAsync(room.Id, cancellationToken)), created);
    }

    /// <summary>A room with its members, if the user may read it.</summary>
    public async Task<Result<RoomDetails>> GetDetailsAsync(string userId, string? roomId, CancellationToken cancellationToken)
    {
        var access = await GetReadableRoomAsync(userId, roomId, cancellationToken);
        if (!access.IsSuccess)
        {
            return access.Error;
        }

        return new RoomDetails(access.Value, await rooms.GetMembersAsync(access.Value.Id, cancellationToken));
    }

    /// <summary>Makes <paramref name="user"/> a subscriber-ready member: members of any room, anyone for a public room (which makes them a member).</summary>
    public async Task<Result<RoomDetails>> JoinAsync(User user, string? roomId, CancellationToken cancellationToken)
    {
        if (InputRules.CheckId(roomId, "roomId", out var id) is { } idError)
        {
            return idError;
        }

        var room = await rooms.GetRoomAsync(id, cancellationToken);
        if (room is null)
        {
            return AppError.NotFound("No such room.");
        }

        if (!await rooms.IsMemberAsync(room.Id, user.Id, cancellationToken))
        {
            if (room.IsPrivate)
            {
                return AppError.Forbidden("This room is private; only its members may join.");
            }

            await rooms.AddMemberAsync(room.Id, user.Id, Clock.Now(time), cancellationToken);
        }

        return new RoomDetails(room, await rooms.GetMembersAsync(room.Id, cancellationToken));
    }

    /// <summary>Adds a member (owner only).</summary>
    public async Task<Result<RoomMember>> AddMemberAsync(User actor, string? roomId, string? userId, CancellationToken cancellationToken)
    {
        if (InputRules.CheckId(roomId, "roomId", out var rid) is { } roomError)
        {
            return roomError;
        }

        if (InputRules.CheckId(userId, "userId", out var uid) is { } userError)
        {
            return userError;
        }

        var room = await rooms.GetRoomAsync(rid, cancellationToken);
        if (room is null)
        {
            return AppError.NotFound("No such room.");
        }

        if (room.IsDirect)
        {
            return AppError.Forbidden("A direct room's members cannot change.");
        }

        if (room.OwnerId != actor.Id)
        {
            return AppError.Forbidden("Only the room's owner may add members.");
        }

        var user = await users.GetUserAsync(uid, cancellationToken);
        if (user is null)
        {
            return AppError.NotFound("No such user.");
        }

        var joinedAt = Clock.Now(time);
        if (!await rooms.AddMemberAsync(room.Id, user.Id, joinedAt, cancellationToken))
        {
            return AppError.Conflict("The user is already a member.");
        }

        await notifications.NotifyAddedToRoomAsync(room, actor, [user.Id], cancellationToken);
        return new RoomMember(user.Id, user.UserName, user.DisplayName, joinedAt);
    }

    /// <summary>Removes a member: the owner removes anyone else; anyone but the owner may remove themselves.</summary>
    public async Task<AppError?> RemoveMemberAsync(User actor, string? roomId, string? userId, CancellationToken cancellationToken)
    {
        if (InputRules.CheckId(roomId, "roomId", out var rid) is { } roomError)
        {
            return roomError;
        }

        if (InputRules.CheckId(userId, "userId", out var uid) is { } userError)
        {
            return userError;
        }

        var room = await rooms.GetRoomAsync(rid, cancellationToken);
        if (room is null)
        {
            return AppError.NotFound("No such room.");
        }

        if (room.IsDirect)
        {
            return AppError.Forbidden("A direct room's members cannot change.");
        }

        if (uid != actor.Id && room.OwnerId != actor.Id)
        {
            return AppError.Forbidden("Only the room's owner may remove other members.");
        }

        if (uid == room.OwnerId)
        {
            return AppError.Conflict("The owner cannot leave or be removed from their room.");
        }

        var user = uid == actor.Id ? actor : await users.GetUserAsync(uid, cancellationToken);
        if (user is null || !await rooms.RemoveMemberAsync(room.Id, user.Id, cancellationToken))
        {
            return AppError.NotFound("The user is not a member of this room.");
        }

        await publisher.MemberRemovedAsync(room.Id, user);
        return null;
    }

    /// <summary>The room, if it exists and the user may read it (public, or private and a member).</summary>
    public async Task<Result<Room>> GetReadableRoomAsync(string userId, string? roomId, CancellationToken cancellationToken)
    {
        if (InputRules.CheckId(roomId, "roomId", out var id) is { } idError)
        {
            return idError;
        }

        var room = await rooms.GetRoomAsync(id, cancellationToken);
        if (room is null)
        {
            return AppError.NotFound("No such room.");
        }

        if (room.IsPrivate && !await rooms.IsMemberAsync(room.Id, userId, cancellationToken))
        {
            return AppError.Forbidden("This room is private; only its members may read it.");
        }

        return room;
    }

    /// <summary>The room, if it exists and the user is a member (needed to write in it).</summary>
    public async Task<Result<Room>> GetRoomAsMemberAsync(string userId, string? roomId, CancellationToken cancellationToken)
    {
        if (InputRules.CheckId(roomId, "roomId", out var id) is { } idError)
        {
            return idError;
        }

        var room = await rooms.GetRoomAsync(id, cancellationToken);
        if (room is null)
        {
            return AppError.NotFound("No such room.");
        }

        return await rooms.IsMemberAsync(room.Id, userId, cancellationToken)
            ? room
            : AppError.Forbidden("You are not a member of this room; join it first.");
    }

    /// <summary>The members of a room.</summary>
    public Task<IReadOnlyList<RoomMember>> GetMembersAsync(string roomId, CancellationToken cancellationToken) =>
        rooms.GetMembersAsync(roomId, cancellationToken);
}

/// <summary>A room and its members.</summary>
/// <param name="Room">The room.</param>
/// <param name="Members">Its members.</param>
public sealed record RoomDetails(Room Room, IReadOnlyList<RoomMember> Members);
