namespace Synapse.Server.Domain;

/// <summary>A Synapse account as everyone may see it: it never carries secrets.</summary>
/// <param name="Id">Stable id (<c>usr_…</c>).</param>
/// <param name="UserName">Unique (case-insensitively) login and mention name.</param>
/// <param name="DisplayName">Free-form name shown in clients.</param>
/// <param name="IsAdmin">Whether the user may post system announcements (the first registered user is).</param>
/// <param name="CreatedAt">When the account was created.</param>
public sealed record User(string Id, string UserName, string DisplayName, bool IsAdmin, DateTimeOffset CreatedAt);

/// <summary>A user with the password hash that authenticates them; never leaves the server.</summary>
/// <param name="User">The account.</param>
/// <param name="PasswordHash">The encoded password hash (see <c>Auth.PasswordHasher</c>).</param>
public sealed record UserCredentials(User User, string PasswordHash);
