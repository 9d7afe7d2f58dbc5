using Microsoft.AspNetCore.Http;

namespace Synapse.SocketIO.Engine;

/// <summary>
/// The cookie holding the session id, set on the handshake response (useful for sticky sessions
/// behind a load balancer). Node's defaults: name <c>io</c>, path <c>/</c>, HttpOnly, SameSite=Lax.
/// </summary>
public sealed class EngineCookieOptions
{
    /// <summary>Cookie name.</summary>
    public string Name { get; set; } = "io";

    /// <summary>Cookie path; null omits it.</summary>
    public string? Path { get; set; } = "/";

    /// <summary>Cookie domain; null omits it.</summary>
    public string? Domain { get; set; }

    /// <summary>HttpOnly flag.</summary>
    public bool HttpOnly { get; set; } = true;

    /// <summary>Secure flag.</summary>
    public bool Secure { get; set; }

    /// <summary>SameSite mode.</summary>
    public SameSiteMode SameSite { get; set; } = SameSiteMode.Lax;

    /// <summary>Lifetime; null makes it a session cookie.</summary>
    public TimeSpan? MaxAge { get; set; }
}
