using System.Security.Cryptography;

namespace Synapse.SocketIO.Internal;

/// <summary>Unguessable ids: 20 URL-safe characters from 15 cryptographically random bytes, like Node's.</summary>
internal static class IdGenerator
{
    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[15];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }
}
