using Microsoft.Extensions.Options;
using Synapse.Server.Auth;
using Synapse.Server.Domain;
using Synapse.Server.Storage;

namespace Synapse.Server.Services;

/// <summary>Registration, login, token refresh and logout.</summary>
public sealed partial class AccountService(
    IUserStore users,
    IRefreshTokenStore refreshTokens,
    PasswordHasher passwords,
    AccessTokenService accessTokens,
    LoginThrottle throttle,
    IOptions<AuthOptions> options,
    TimeProvider time,
    ILogger<AccountService> logger)
{
    private static readonly AppError BadCredentials = AppError.Unauthenticated("Invalid user name or password.");
    private static readonly AppError BadRefreshToken = AppError.Unauthenticated("The refresh token is invalid or expired; log in again.");

    /// <summary>Creates an account and signs it in.</summary>
    public async Task<Result<AuthSession>> RegisterAsync(string? userName, string? password, string? displayName, CancellationToken cancellationToken)
    {
        if (InputRules.CheckUserName(userName, out var name) is { } nameError)
        {
            return nameError;
        }

        if (InputRules.CheckNewPassword(password, out var secret) is { } passwordError)
        {
            return passwordError;
        }

        if (InputRules.CheckDisplayName(displayName, name, out var display) is { } displayError)
        {
            return displayError;
        }

        var user = await users.TryCreateUserAsync(
            new NewUser(Ids.NewUserId(), name, InputRules.NormalizeUserName(name), display, passwords.Hash(secret), Clock.Now(time)),
            cancellationToken);
        if (user is null)
        {
            return AppError.Conflict("That user name is taken.");
        }

        Log.Registered(logger, user.Id, user.UserName, user.IsAdmin);
        return await StartSessionAsync(user, cancellationToken);
    }

    /// <summary>Checks credentials (throttled per user name and client address) and signs in.</summary>
    public async Task<Result<AuthSession>> LoginAsync(string? userName, string? password, string clientAddress, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(userName) || string.IsNullOrEmpty(password))
        {
            return AppError.Validation("userName and password are required.");
        }

        if (userName.Length > 64 || password.Length > InputRules.MaxPasswordLength)
        {
            return BadCredentials;
        }

        var normalized = InputRules.NormalizeUserName(userName);
        if (throttle.GetRetryAfter(normalized, clientAddress) is { } retryAfter)
        {
            Log.LoginThrottled(logger, normalized, clientAddress);
            return AppError.RateLimited("Too many failed logins; try again later.", retryAfter);
        }

        var credentials = await users.FindCredentialsAsync(normalized, cancellationToken);
        bool valid;
        if (credentials is null)
        {
            passwords.VerifyDecoy(password);
            valid = false;
        }
        else
        {
            valid = PasswordHasher.Verify(password, credentials.PasswordHash);
        }

        if (!valid)
        {
            throttle.RecordFailure(normalized, clientAddress);
            Log.LoginFailed(logger, normalized, clientAddress);
            return BadCredentials;
        }

        throttle.RecordSuccess(normalized);
        return await StartSessionAsync(credentials!.User, cancellationToken);
    }

    /// <summary>Exchanges a refresh token for a new pair; the old token stops working.</summary>
    public async Task<Result<AuthSession>> RefreshAsync(string? refreshToken, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(refreshToken))
        {
            return AppError.Validation("refreshToken is required.");
        }

        if (refreshToken.Length > RefreshTokens.MaxLength)
        {
            return BadRefreshToken;
        }

        var now = Clock.Now(time);
        var next = RefreshTokens.Generate();
        var rotation = await refreshTokens.RotateRefreshTokenAsync(
            RefreshTokens.Hash(refreshToken), RefreshTokens.Hash(next), now + options.Value.RefreshTokenLifetime, now, cancellationToken);
        if (rotation.Outcome == RefreshTokenRotationOutcome.Reused)
        {
            Log.RefreshTokenReused(logger, rotation.UserId!);
        }

        if (rotation.Outcome != RefreshTokenRotationOutcome.Rotated)
        {
            return BadRefreshToken;
        }

        var user = await users.GetUserAsync(rotation.UserId!, cancellationToken);
        if (user is null)
        {
            return BadRefreshToken;
        }

        var access = accessTokens.Issue(user);
        return new AuthSession(user, access.Token, access.ExpiresAt, next);
    }

    /// <summary>Revokes the refresh token's session. Idempotent: an unknown token is not an error.</summary>
    public async Task<AppError?> LogoutAsync(string? refreshToken, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(refreshToken))
        {
            return AppError.Validation("refreshToken is required.");
        }

        if (refreshToken.Length <= RefreshTokens.MaxLength)
        {
            await refreshTokens.RevokeRefreshTokenFamilyAsync(RefreshTokens.Hash(refreshToken), Clock.Now(time), cancellationToken);
        }

        return null;
    }

    private async Task<AuthSession> StartSessionAsync(User user, CancellationToken cancellationToken)
    {
        var now = Clock.Now(time);
        var refresh = RefreshTokens.Generate();
        await refreshTokens.AddRefreshTokenAsync(
            new RefreshTokenRecord(RefreshTokens.Hash(refresh), user.Id, Ids.NewTokenFamilyId(), now, now + options.Value.RefreshTokenLifetime),
            cancellationToken);
        var access = accessTokens.Issue(user);
        return new AuthSession(user, access.Token, access.ExpiresAt, refresh);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Registered user {UserId} ({UserName}); administrator: {IsAdmin}.")]
        public static partial void Registered(ILogger logger, string userId, string userName, bool isAdmin);

        [LoggerMessage(2, LogLevel.Information, "Failed login for {UserName} from {Address}.")]
        public static partial void LoginFailed(ILogger logger, string userName, string address);

        [LoggerMessage(3, LogLevel.Warning, "Login for {UserName} from {Address} refused: too many failures.")]
        public static partial void LoginThrottled(ILogger logger, string userName, string address);

        [LoggerMessage(4, LogLevel.Warning, "A rotated refresh token of user {UserId} was used again; the session is revoked.")]
        public static partial void RefreshTokenReused(ILogger logger, string userId);
    }
}

/// <summary>A signed-in session: the user and their tokens.</summary>
/// <param name="User">The user.</param>
/// <param name="AccessToken">The access token (JWT).</param>
/// <param name="AccessTokenExpiresAt">When it expires.</param>
/// <param name="RefreshToken">The refresh token.</param>
public sealed record AuthSession(User User, string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken);
