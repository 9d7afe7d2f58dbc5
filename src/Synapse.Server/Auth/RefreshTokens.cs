using System.Security.Cryptography;
using System.Text;

namespace Synapse.Server.Auth;

/// <summary>
/// Refresh tokens are 256-bit random strings (base64url). The server keeps only their SHA-256:
/// a stolen database does not yield usable tokens, and a fast hash suffices for random secrets.
/// </summary>
public static class RefreshTokens
{
    /// <summary>Longest refresh token accepted as input.</summary>
    public const int MaxLength = 256;

    /// <summary>A new token.</summary>
    public static string Generate() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    /// <summary>The stored form of <paramref name="token"/>.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
