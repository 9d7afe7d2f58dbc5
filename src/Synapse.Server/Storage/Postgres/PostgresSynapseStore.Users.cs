using Synapse.Server.Domain;

namespace Synapse.Server.Storage.Postgres;

public sealed partial class PostgresSynapseStore
{
    /// <inheritdoc />
    public async Task<User?> TryCreateUserAsync(NewUser user, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // "No user exists yet" is read by the INSERT's own snapshot; two servers registering the
        // first two accounts at once would both see an empty table. Under the lock (taken before
        // the INSERT starts, so its snapshot sees every earlier account) only one can. Accounts are
        // never deleted, so once one exists the answer is settled and the lock is not needed.
        var anyUser = (bool)(await connection.Sql("SELECT EXISTS (SELECT 1 FROM users);", transaction).ScalarAsync(cancellationToken))!;
        if (!anyUser)
        {
            await connection.LockAsync(transaction, PostgresLock.UserCreation, cancellationToken);
        }

        var isAdmin = await connection.Sql("""
            INSERT INTO users (id, user_name, user_name_normalized, display_name, password_hash, is_admin, created_at)
            SELECT @id, @name, @normalized, @display, @hash, NOT EXISTS (SELECT 1 FROM users), @created
            ON CONFLICT (user_name_normalized) DO NOTHING
            RETURNING is_admin;
            """, transaction)
            .With("@id", user.Id)
            .With("@name", user.UserName)
            .With("@normalized", user.NormalizedUserName)
            .With("@display", user.DisplayName)
            .With("@hash", user.PasswordHash)
            .With("@created", user.CreatedAt)
            .ScalarAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return isAdmin is bool admin
            ? new User(user.Id, user.UserName, user.DisplayName, admin, user.CreatedAt)
            : null;
    }

    /// <inheritdoc />
    public async Task<User?> GetUserAsync(string userId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.Sql($"SELECT {PostgresExtensions.UserColumns} FROM users u WHERE u.id = @id;")
            .With("@id", userId)
            .ReadFirstOrDefaultAsync(r => r.ReadUser(), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<User>> GetUsersAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0)
        {
            return [];
        }

        await using var connection = await OpenAsync(cancellationToken);
        return await connection.Sql($"SELECT {PostgresExtensions.UserColumns} FROM users u WHERE u.id = ANY (@ids);")
            .With("@ids", userIds.Distinct(StringComparer.Ordinal).ToArray())
            .ReadAllAsync(r => r.ReadUser(), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<UserCredentials?> FindCredentialsAsync(string normalizedUserName, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.Sql($"SELECT {PostgresExtensions.UserColumns}, u.password_hash FROM users u WHERE u.user_name_normalized = @name;")
            .With("@name", normalizedUserName)
            .ReadFirstOrDefaultAsync(r => new UserCredentials(r.ReadUser(), r.GetString(5)), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<User>> SearchUsersAsync(string? search, string? excludeUserId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);

        // ILIKE is PostgreSQL's case-insensitive LIKE; the search text's own wildcards are escaped.
        var pattern = search is null ? null : "%" + search.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
        return await connection.Sql($"""
            SELECT {PostgresExtensions.UserColumns} FROM users u
            WHERE (@pattern IS NULL OR u.user_name ILIKE @pattern ESCAPE '\' OR u.display_name ILIKE @pattern ESCAPE '\')
              AND (@exclude IS NULL OR u.id <> @exclude)
            ORDER BY u.user_name_normalized
            LIMIT @limit;
            """)
            .With("@pattern", pattern)
            .With("@exclude", excludeUserId)
            .With("@limit", limit)
            .ReadAllAsync(r => r.ReadUser(), cancellationToken);
    }
}
