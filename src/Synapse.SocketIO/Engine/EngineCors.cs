using Microsoft.AspNetCore.Http;

namespace Synapse.SocketIO.Engine;

/// <summary>Applies <see cref="EngineCorsOptions"/> to a request, the way Node's <c>cors</c> package does.</summary>
internal static class EngineCors
{
    /// <summary>Adds the CORS headers; true when the request was a preflight that is now answered.</summary>
    public static bool Apply(EngineCorsOptions options, HttpContext context)
    {
        var request = context.Request;
        var headers = context.Response.Headers;
        var origin = request.Headers.Origin.ToString();

        if (options.Origins.Count == 1 && options.Origins[0] == "*" && !options.Credentials)
        {
            headers.AccessControlAllowOrigin = "*";
        }
        else
        {
            headers.Vary = "Origin";
            if (origin.Length > 0 && IsAllowed(options, origin, context))
            {
                headers.AccessControlAllowOrigin = origin;
            }
        }

        if (options.Credentials)
        {
            headers.AccessControlAllowCredentials = "true";
        }

        if (options.ExposedHeaders.Count > 0)
        {
            headers.AccessControlExposeHeaders = string.Join(',', options.ExposedHeaders);
        }

        if (!HttpMethods.IsOptions(request.Method))
        {
            return false;
        }

        headers.AccessControlAllowMethods = string.Join(',', options.Methods);
        if (options.AllowedHeaders.Count > 0)
        {
            headers.AccessControlAllowHeaders = string.Join(',', options.AllowedHeaders);
        }
        else if (request.Headers.AccessControlRequestHeaders.Count > 0)
        {
            headers.AccessControlAllowHeaders = request.Headers.AccessControlRequestHeaders.ToString();
            headers.Append("Vary", "Access-Control-Request-Headers");
        }

        if (options.MaxAge is { } maxAge)
        {
            headers.AccessControlMaxAge = ((long)maxAge.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
        context.Response.ContentLength = 0;
        return true;
    }

    private static bool IsAllowed(EngineCorsOptions options, string origin, HttpContext context)
    {
        foreach (var allowed in options.Origins)
        {
            if (allowed == "*" || string.Equals(allowed, origin, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return options.OriginPredicate?.Invoke(origin, context) ?? false;
    }
}
