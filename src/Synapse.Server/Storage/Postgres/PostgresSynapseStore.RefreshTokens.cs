namespace Synapse.Server.Storage.Postgres;

public sealed partial class PostgresSynapseStore
{
    /// <inheritdoc />
    public async Task AddRefreshTokenAsync(RefreshTokenRecord token, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.Sql("""
            INSERT INTO refresh_tokens (token_hash, user_id, family_id, created_at, expires_at)
            VALUES (@hash, @user, @family, @created, @expires);
            """)
            .With("@hash", token.TokenHash)
            .With("@user", token.UserId)
            .With("@family", token.FamilyId)
            .With("@created", token.CreatedAt)
            .With("@expires", token.ExpiresAt)
            .ExecuteAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<RefreshTokenRotation> RotateRefreshTokenAsync(string tokenHash, string newTokenHash, DateTimeOffset newExpiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // FOR UPDATE: two refreshes with the same token (two tabs, two servers) take turns; the
        // second then reads the token as revoked by the first, which is reuse, as with SQLite.
        var row = await connection.Sql("SELECT user_id, family_id, expires_at, revoked_at FROM refresh_tokens WHERE token_hash = @hash FOR UPDATE;", transaction)
            .With("@hash", tokenHash)
            .ReadFirstOrDefaultAsync(r => (UserId: r.GetString(0), FamilyId: r.GetString(1), ExpiresAt: r.GetTime(2), RevokedAt: r.GetTimeOrNull(3)), cancellationToken);
        if (row == default)
        {
            return new RefreshTokenRotation(RefreshTokenRotationOutcome.NotFound, null);
        }

        if (row.RevokedAt is not null)
        {
            // A rotated token came back: someone kept a copy. End the whole session.
            await connection.Sql("UPDATE refresh_tokens SET revoked_at = @now WHERE family_id = @family AND revoked_at IS NULL;", transaction)
                .With("@now", now)
                .With("@family", row.FamilyId)
                .ExecuteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new RefreshTokenRotation(RefreshTokenRotationOutcome.Reused, row.UserId);
        }

        if (row.ExpiresAt <= now)
        {
            return new RefreshTokenRotation(RefreshTokenRotationOutcome.Expired, row.UserId);
        }

        await connection.Sql("UPDATE refresh_tokens SET revoked_at = @now WHERE token_hash = @hash;", transaction)
            .With("@now", now)
            .With("@hash", tokenHash)
            .ExecuteAsync(cancellationToken);
        await connection.Sql("""
            INSERT INTO refresh_tokens (token_hash, user_id, family_id, created_at, expires_at)
            VALUES (@hash, @user, @family, @created, @expires);
            """, transaction)
            .With("@hash", newTokenHash)
            .With("@user", row.UserId)
            .With("@family", row.FamilyId)
            .With("@created", now)
            .With("@expires", newExpiresAt)
            .ExecuteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new RefreshTokenRotation(RefreshTokenRotationOutcome.Rotated, row.UserId);
    }

    /// <inheritdoc />
    public async Task<bool> RevokeRefreshTokenFamilyAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var changed = await connection.Sql("""
            UPDATE refresh_tokens SET revoked_at = @now
            WHERE revoked_at IS NULL AND family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = @hash);
            """)
            .With("@now", now)
            .With("@hash", tokenHash)
            .ExecuteAsync(cancellationToken);
        return changed > 0;
    }
}
