using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Synapse.Server.Auth;

/// <summary>
/// Hashes passwords with PBKDF2-HMAC-SHA512 and a random 16-byte salt. The encoded form is
/// <c>pbkdf2-sha512$ITERATIONS$SALT$HASH</c> (base64), so the parameters can change over time.
/// </summary>
public sealed class PasswordHasher
{
    private const string Scheme = "pbkdf2-sha512";
    private const int SaltSize = 16;
    private const int HashSize = 32;
    private readonly int _iterations;
    private readonly Lazy<string> _decoy;

    /// <summary>Uses <see cref="AuthOptions.PasswordHashIterations"/>.</summary>
    public PasswordHasher(IOptions<AuthOptions> options)
    {
        _iterations = options.Value.PasswordHashIterations;
        _decoy = new Lazy<string>(() => Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));
    }

    /// <summary>A new encoded hash of <paramref name="password"/>.</summary>
    public string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, _iterations, HashAlgorithmName.SHA512, HashSize);
        return string.Join('$', Scheme, _iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    /// <summary>Whether <paramref name="password"/> matches <paramref name="encodedHash"/> (constant-time comparison).</summary>
    public static bool Verify(string password, string encodedHash)
    {
        var parts = encodedHash.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations <= 0)
        {
            return false;
        }

        byte[] salt;
        byte[] expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>
    /// Spends the same time as verifying a real password, for logins with an unknown user name, so
    /// response times do not reveal which user names exist.
    /// </summary>
    public void VerifyDecoy(string password) => Verify(password, _decoy.Value);
}
