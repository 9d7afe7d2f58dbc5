namespace Synapse.Server.Storage;

/// <summary>
/// Refresh tokens, stored as hashes only. Tokens issued from one login form a family; using a
/// rotated (revoked) token again is taken as theft and revokes the whole family.
/// </summary>
public interface IRefreshTokenStore
{
    /// <summary>Stores a new token (the first of a family at login or registration).</summary>
    Task AddRefreshTokenAsync(RefreshTokenRecord token, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically exchanges the active token <paramref name="tokenHash"/> for a new one of the same
    /// user and family, hashed <paramref name="newTokenHash"/>, valid until <paramref name="newExpiresAt"/>.
    /// </summary>
    Task<RefreshTokenRotation> RotateRefreshTokenAsync(string tokenHash, string newTokenHash, DateTimeOffset newExpiresAt, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Revokes the family of <paramref name="tokenHash"/> (logout). False when the token is unknown.</summary>
    Task<bool> RevokeRefreshTokenFamilyAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>A stored refresh token.</summary>
/// <param name="TokenHash">SHA-256 of the token, hex.</param>
/// <param name="UserId">Whose token it is.</param>
/// <param name="FamilyId">The login session it belongs to.</param>
/// <param name="CreatedAt">Issue time.</param>
/// <param name="ExpiresAt">Expiry.</param>
public sealed record RefreshTokenRecord(string TokenHash, string UserId, string FamilyId, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>What <see cref="IRefreshTokenStore.RotateRefreshTokenAsync"/> did.</summary>
/// <param name="Outcome">The outcome.</param>
/// <param name="UserId">The token's user (when known).</param>
public sealed record RefreshTokenRotation(RefreshTokenRotationOutcome Outcome, string? UserId);

/// <summary>Outcomes of a refresh-token rotation.</summary>
public enum RefreshTokenRotationOutcome
{
    /// <summary>The token was active; it is now revoked and the new one stored.</summary>
    Rotated,

    /// <summary>No such token.</summary>
    NotFound,

    /// <summary>The token expired.</summary>
    Expired,

    /// <summary>The token had already been used or revoked; its whole family is now revoked.</summary>
    Reused,
}
