namespace Synapse.Server.Auth;

/// <summary>Accounts and tokens: configuration section <c>Synapse:Auth</c>.</summary>
public sealed class AuthOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Synapse:Auth";

    /// <summary>
    /// The HMAC key that signs access tokens, base64 (at least 32 bytes decoded). When empty, a
    /// random key is generated into the data directory on first run and reused afterwards.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>The <c>iss</c> of issued tokens.</summary>
    public string Issuer { get; set; } = "synapse";

    /// <summary>The <c>aud</c> of issued tokens.</summary>
    public string Audience { get; set; } = "synapse";

    /// <summary>How long an access token is valid.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a refresh token is valid (each refresh issues a new one).</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// PBKDF2-HMAC-SHA512 iterations for new password hashes (OWASP's 2023 figure). Stored hashes
    /// record their own count, so changing this never locks anyone out.
    /// </summary>
    public int PasswordHashIterations { get; set; } = 210_000;

    /// <summary>Failed-login throttling.</summary>
    public LoginThrottleOptions LoginThrottle { get; set; } = new();
}

/// <summary>
/// Failed logins are counted per user name and per client address; past a limit within the
/// window, further attempts are refused with 429 until the lockout ends.
/// </summary>
public sealed class LoginThrottleOptions
{
    /// <summary>Failures allowed for one user name (from any address) within <see cref="Window"/>.</summary>
    public int MaxFailuresPerUser { get; set; } = 5;

    /// <summary>Failures allowed from one address (for any user names) within <see cref="Window"/>.</summary>
    public int MaxFailuresPerAddress { get; set; } = 20;

    /// <summary>How long failures are remembered.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long attempts are refused once a limit is reached.</summary>
    public TimeSpan Lockout { get; set; } = TimeSpan.FromMinutes(5);
}
