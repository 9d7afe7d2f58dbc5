using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Synapse.Server.Domain;

namespace Synapse.Server.Auth;

/// <summary>
/// Issues and validates access tokens: HS256 JWTs carrying the user id (<c>sub</c>) and user name
/// (<c>name</c>), valid for <see cref="AuthOptions.AccessTokenLifetime"/>.
/// </summary>
public sealed class AccessTokenService
{
    /// <summary>Longest token accepted for validation.</summary>
    public const int MaxTokenLength = 4096;

    private const string SubjectClaim = "sub";
    private const string NameClaim = "name";

    private readonly JsonWebTokenHandler _handler = new();
    private readonly AuthOptions _options;
    private readonly SigningKeyProvider _keys;
    private readonly TimeProvider _time;
    private readonly Lazy<TokenValidationParameters> _parameters;

    /// <summary>Creates the service.</summary>
    public AccessTokenService(IOptions<AuthOptions> options, SigningKeyProvider keys, TimeProvider time)
    {
        _options = options.Value;
        _keys = keys;
        _time = time;
        _parameters = new Lazy<TokenValidationParameters>(() => new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Audience,
            IssuerSigningKey = _keys.Key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        });
    }

    /// <summary>A new access token for <paramref name="user"/>.</summary>
    public IssuedAccessToken Issue(User user)
    {
        var now = _time.GetUtcNow();
        var expires = now + _options.AccessTokenLifetime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                [SubjectClaim] = user.Id,
                [NameClaim] = user.UserName,
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
            SigningCredentials = new SigningCredentials(_keys.Key, SecurityAlgorithms.HmacSha256),
        };
        return new IssuedAccessToken(_handler.CreateToken(descriptor), expires);
    }

    /// <summary>Checks a token's signature, issuer, audience, algorithm and lifetime.</summary>
    public async Task<AccessTokenValidation> ValidateAsync(string? token)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return new AccessTokenValidation(null, AccessTokenFailure.Missing);
        }

        if (token.Length > MaxTokenLength)
        {
            return new AccessTokenValidation(null, AccessTokenFailure.Invalid);
        }

        var result = await _handler.ValidateTokenAsync(token, _parameters.Value);
        if (!result.IsValid)
        {
            return new AccessTokenValidation(null, result.Exception is SecurityTokenExpiredException ? AccessTokenFailure.Expired : AccessTokenFailure.Invalid);
        }

        if (result.Claims.TryGetValue(SubjectClaim, out var sub) && sub is string userId && userId.Length > 0
            && result.Claims.TryGetValue(NameClaim, out var name) && name is string userName)
        {
            return new AccessTokenValidation(new AccessTokenIdentity(userId, userName), AccessTokenFailure.None);
        }

        return new AccessTokenValidation(null, AccessTokenFailure.Invalid);
    }

    /// <summary>The principal the REST API sees for a validated identity.</summary>
    public static ClaimsPrincipal ToPrincipal(AccessTokenIdentity identity, string authenticationType) =>
        new(new ClaimsIdentity(
            [new Claim(SubjectClaim, identity.UserId), new Claim(NameClaim, identity.UserName)],
            authenticationType,
            NameClaim,
            roleType: null));

    /// <summary>The user id of a principal made by <see cref="ToPrincipal"/>.</summary>
    public static string? GetUserId(ClaimsPrincipal principal) => principal.FindFirst(SubjectClaim)?.Value;
}

/// <summary>An issued access token.</summary>
/// <param name="Token">The compact JWT.</param>
/// <param name="ExpiresAt">When it expires.</param>
public sealed record IssuedAccessToken(string Token, DateTimeOffset ExpiresAt);

/// <summary>Who a valid access token names.</summary>
/// <param name="UserId">The user id.</param>
/// <param name="UserName">The user name at issue time.</param>
public sealed record AccessTokenIdentity(string UserId, string UserName);

/// <summary>Why a token was refused.</summary>
public enum AccessTokenFailure
{
    /// <summary>It was not refused.</summary>
    None,

    /// <summary>No token was given.</summary>
    Missing,

    /// <summary>Malformed, badly signed, or for another issuer or audience.</summary>
    Invalid,

    /// <summary>Valid, but expired.</summary>
    Expired,
}

/// <summary>The outcome of <see cref="AccessTokenService.ValidateAsync"/>.</summary>
/// <param name="Identity">The identity, when valid.</param>
/// <param name="Failure">Why it is not valid.</param>
public readonly record struct AccessTokenValidation(AccessTokenIdentity? Identity, AccessTokenFailure Failure)
{
    /// <summary>A message for the client that tells what to do, and nothing more.</summary>
    public string FailureMessage => Failure switch
    {
        AccessTokenFailure.Missing => "An access token is required.",
        AccessTokenFailure.Expired => "The access token has expired; refresh it.",
        _ => "The access token is invalid.",
    };
}
