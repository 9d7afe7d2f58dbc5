using Synapse.Server.Domain;

namespace Synapse.Server.Storage.Sqlite;

public sealed partial class SqliteSynapseStore
{
    /// <inheritdoc />
    public async Task<User?> TryCreateUserAsync(NewUser user, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);

        // One statement: the admin flag ("no user exists yet") and the uniqueness check are atomic.
        // "WHERE true" tells SQLite's parser the ON CONFLICT belongs to the INSERT, not to a join.
        var isAdmin = await connection.Sql("""
            INSERT INTO users (id, user_name, user_name_normalized, display_name, password_hash, is_admin, created_at)
            SELECT @id, @name, @normalized, @display, @hash, NOT EXISTS (SELECT 1 FROM users), @created WHERE true
            ON CONFLICT (user_name_normalized) DO NOTHING
            RETURNING is_admin;
            """)
            .With("@id", user.Id)
            .With("@name", user.UserName)
            .With("@normalized", user.NormalizedUserName)
            .With("@display", user.DisplayName)
            .With("@hash", user.PasswordHash)
            .With("@created", user.CreatedAt)
            .ScalarAsync(cancellationToken);
        return isAdmin is null
            ? null
            : new User(user.Id, user.UserName, user.DisplayName, Convert.ToInt64(isAdmin, System.Globalization.CultureInfo.InvariantCulture) != 0, user.CreatedAt);
    }

    /// <inheritdoc />
    public async Task<User?> GetUserAsync(string userId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.Sql($"SELECT {SqliteExtensions.UserColumns} FROM users u WHERE u.id = @id;")
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
        var command = connection.Sql(string.Empty);
        var list = command.WithList("u", userIds.Distinct(StringComparer.Ordinal));
        command.CommandText = $"SELECT {SqliteExtensions.UserColumns} FROM users u WHERE u.id IN ({list});";
        await using (command)
        {
            return await command.ReadAllAsync(r => r.ReadUser(), cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<UserCredentials?> FindCredentialsAsync(string normalizedUserName, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.Sql($"SELECT {SqliteExtensions.UserColumns}, u.password_hash FROM users u WHERE u.user_name_normalized = @name;")
            .With("@name", normalizedUserName)
            .ReadFirstOrDefaultAsync(r => new UserCredentials(r.ReadUser(), r.GetString(5)), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<User>> SearchUsersAsync(string? search, string? excludeUserId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);

        // LIKE is case-insensitive for ASCII in SQLite; the search text's own wildcards are escaped.
        var pattern = search is null ? null : "%" + search.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
        return await connection.Sql($"""
            SELECT {SqliteExtensions.UserColumns} FROM users u
            WHERE (@pattern IS NULL OR u.user_name LIKE @pattern ESCAPE '\' OR u.display_name LIKE @pattern ESCAPE '\')
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
