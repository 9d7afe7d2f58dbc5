using Synapse.Server.Domain;

namespace Synapse.Server.Storage.Postgres;

public sealed partial class PostgresSynapseStore
{
    /// <inheritdoc />
    public async Task CreateRoomAsync(Room room, IReadOnlyCollection<string> memberIds, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.Sql("""
            INSERT INTO rooms (id, name, is_private, is_direct, owner_id, created_at)
            VALUES (@id, @name, @private, @direct, @owner, @created);
            """, transaction)
            .With("@id", room.Id)
            .With("@name", room.Name)
            .With("@private", room.IsPrivate)
            .With("@direct", room.IsDirect)
            .With("@owner", room.OwnerId)
            .With("@created", room.CreatedAt)
            .ExecuteAsync(cancellationToken);
        await InsertMembersAsync(connection, transaction, room.Id, memberIds.Distinct(StringComparer.Ordinal).ToArray(), room.CreatedAt, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<(Room Room, bool Created)> GetOrCreateDirectRoomAsync(Room candidate, string userId, string otherUserId, CancellationToken cancellationToken)
    {
        var key = string.CompareOrdinal(userId, otherUserId) < 0 ? $"{userId}:{otherUserId}" : $"{otherUserId}:{userId}";
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The unique direct_key decides the race: a concurrent insert of the same pair (from any
        // server) makes this one wait for it, then do nothing; the SELECT that follows runs on a
        // new snapshot (READ COMMITTED) and finds the winner's room.
        var inserted = await connection.Sql("""
            INSERT INTO rooms (id, name, is_private, is_direct, direct_key, owner_id, created_at)
            VALUES (@id, @name, true, true, @key, NULL, @created)
            ON CONFLICT (direct_key) DO NOTHING;
            """, transaction)
            .With("@id", candidate.Id)
            .With("@name", candidate.Name)
            .With("@key", key)
            .With("@created", candidate.CreatedAt)
            .ExecuteAsync(cancellationToken);
        if (inserted == 0)
        {
            var existing = await connection.Sql($"SELECT {PostgresExtensions.RoomColumns} FROM rooms r WHERE r.direct_key = @key;", transaction)
                .With("@key", key)
                .ReadFirstOrDefaultAsync(r => r.ReadRoom(), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return (existing ?? throw new InvalidOperationException($"The direct room {key} conflicted but cannot be read."), false);
        }

        await InsertMembersAsync(connection, transaction, candidate.Id, [userId, otherUserId], candidate.CreatedAt, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (candidate with { IsPrivate = true, IsDirect = true, OwnerId = null }, true);
    }

    /// <inheritdoc />
    public async Task<Room?> GetRoomAsync(string roomId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.Sql($"SELECT {PostgresExtensions.RoomColumns} FROM rooms r WHERE r.id = @id;")
            .With("@id", roomId)
            .ReadFirstOrDefaultAsync(r => r.ReadRoom(), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RoomListing>> ListRoomsAsync(string userId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.Sql($"""
            SELECT {PostgresExtensions.RoomColumns},
                   (SELECT COUNT(*) FROM room_members c WHERE c.room_id = r.id)::integer AS member_count,
                   EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.user_id = @user) AS is_member
            FROM rooms r
            WHERE NOT r.is_private
               OR EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.user_id = @user)
            ORDER BY r.created_at, r.id;
            """)
            .With("@user", userId)
            .ReadAllAsync(r => new RoomListing(r.ReadRoom(), r.GetInt32(6), r.GetBoolean(7)), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> GetRoomIdsOfUserAsync(string userId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.Sql("SELECT room_id FROM room_members WHERE user_id = @user;")
            .With("@user", userId)
            .ReadAllAsync(r => r.GetString(0), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> IsMemberAsync(string roomId, string userId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var found = await connection.Sql("SELECT 1 FROM room_members WHERE room_id = @room AND user_id = @user;")
            .With("@room", roomId)
            .With("@user", userId)
            .ScalarAsync(cancellationToken);
        return found is not null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RoomMember>> GetMembersAsync(string roomId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.Sql("""
            SELECT u.id, u.user_name, u.display_name, m.joined_at
            FROM room_members m JOIN users u ON u.id = m.user_id
            WHERE m.room_id = @room
            ORDER BY m.joined_at, u.user_name_normalized;
            """)
            .With("@room", roomId)
            .ReadAllAsync(r => new RoomMember(r.GetString(0), r.GetString(1), r.GetString(2), r.GetTime(3)), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> AddMemberAsync(string roomId, string userId, DateTimeOffset joinedAt, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var added = await connection.Sql("""
            INSERT INTO room_members (room_id, user_id, joined_at) VALUES (@room, @user, @at)
            ON CONFLICT (room_id, user_id) DO NOTHING;
            """)
            .With("@room", roomId)
            .With("@user", userId)
            .With("@at", joinedAt)
            .ExecuteAsync(cancellationToken);
        return added > 0;
    }

    /// <inheritdoc />
    public async Task<bool> RemoveMemberAsync(string roomId, string userId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var removed = await connection.Sql("DELETE FROM room_members WHERE room_id = @room AND user_id = @user;")
            .With("@room", roomId)
            .With("@user", userId)
            .ExecuteAsync(cancellationToken);
        return removed > 0;
    }

    /// <summary>Adds the members of a new room in one statement.</summary>
    private static Task<int> InsertMembersAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction, string roomId, string[] memberIds, DateTimeOffset joinedAt, CancellationToken cancellationToken) =>
        connection.Sql("""
            INSERT INTO room_members (room_id, user_id, joined_at)
            SELECT @room, member, @at FROM unnest(@members) AS member;
            """, transaction)
            .With("@room", roomId)
            .With("@members", memberIds)
            .With("@at", joinedAt)
            .ExecuteAsync(cancellationToken);
}
