using Synapse.Server.Domain;

namespace Synapse.Server.Storage;

/// <summary>Accounts.</summary>
public interface IUserStore
{
    /// <summary>
    /// Creates an account, unless the normalized user name is taken (then returns null). The very
    /// first account created becomes administrator; the implementation decides this atomically.
    /// </summary>
    Task<User?> TryCreateUserAsync(NewUser user, CancellationToken cancellationToken);

    /// <summary>The user with this id, or null.</summary>
    Task<User?> GetUserAsync(string userId, CancellationToken cancellationToken);

    /// <summary>The users with these ids that exist (in no particular order).</summary>
    Task<IReadOnlyList<User>> GetUsersAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken);

    /// <summary>The account and password hash for a normalized user name, or null.</summary>
    Task<UserCredentials?> FindCredentialsAsync(string normalizedUserName, CancellationToken cancellationToken);

    /// <summary>
    /// Users whose user name or display name contains <paramref name="search"/> (case-insensitive;
    /// every user when null), ordered by user name, at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<User>> SearchUsersAsync(string? search, string? excludeUserId, int limit, CancellationToken cancellationToken);
}

/// <summary>An account to create.</summary>
/// <param name="Id">The new id.</param>
/// <param name="UserName">The user name as typed.</param>
/// <param name="NormalizedUserName">Its normalized form, unique across accounts.</param>
/// <param name="DisplayName">The display name.</param>
/// <param name="PasswordHash">The encoded password hash.</param>
/// <param name="CreatedAt">Creation time.</param>
public sealed record NewUser(string Id, string UserName, string NormalizedUserName, string DisplayName, string PasswordHash, DateTimeOffset CreatedAt);
