using Microsoft.AspNetCore.Http;

namespace Synapse.SocketIO.Engine;

/// <summary>
/// Cross-origin settings for the long-polling transport, as the <c>cors</c> option of Node's server
/// (which hands them to the <c>cors</c> package): allowed origins, credentials, preflight answers.
/// </summary>
public sealed class EngineCorsOptions
{
    /// <summary>Origins allowed; <c>*</c> allows any origin (answered with <c>*</c> unless credentials are on).</summary>
    public IList<string> Origins { get; } = new List<string>();

    /// <summary>Decides per request origin; consulted when <see cref="Origins"/> does not list it.</summary>
    public Func<string, HttpContext, bool>? OriginPredicate { get; set; }

    /// <summary>Sends <c>Access-Control-Allow-Credentials: true</c>.</summary>
    public bool Credentials { get; set; }

    /// <summary>Methods announced to preflight requests.</summary>
    public IList<string> Methods { get; } = new List<string> { "GET", "HEAD", "PUT", "PATCH", "POST", "DELETE" };

    /// <summary>Request headers allowed; when empty the preflight's requested headers are reflected.</summary>
    public IList<string> AllowedHeaders { get; } = new List<string>();

    /// <summary>Response headers exposed to the page.</summary>
    public IList<string> ExposedHeaders { get; } = new List<string>();

    /// <summary>How long a browser may cache a preflight answer; unset sends no <c>Access-Control-Max-Age</c>.</summary>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>Allows every origin (equivalent to <c>origin: "*"</c>).</summary>
    public EngineCorsOptions AllowAnyOrigin()
    {
        Origins.Clear();
        Origins.Add("*");
        return this;
    }
}
