using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Synapse.SocketIO.Hosting;

/// <summary>
/// Serves the official browser client like Node's <c>serveClient</c>: <c>socket.io.js</c>,
/// <c>socket.io.min.js</c>, <c>socket.io.esm.min.js</c> and their source maps. The files come from
/// the <c>socket.io-client</c> npm package at build time and are embedded in the assembly.
/// </summary>
internal static class ClientBundle
{
    private static readonly Assembly Assembly = typeof(ClientBundle).Assembly;
    private static readonly string[] Files =
    [
        "socket.io.js", "socket.io.js.map", "socket.io.min.js", "socket.io.min.js.map",
        "socket.io.esm.min.js", "socket.io.esm.min.js.map", "socket.io.msgpack.min.js", "socket.io.msgpack.min.js.map",
    ];

    private static readonly Dictionary<string, (byte[] Content, string ETag)> Cache = Load();

    /// <summary>Whether the bundle was embedded in this build.</summary>
    public static bool IsAvailable => Cache.Count > 0;

    /// <summary>Serves a bundle file if the request names one; null otherwise.</summary>
    public static Task? TryServeAsync(HttpContext context, string basePath)
    {
        var path = context.Request.Path.Value;
        if (path is null || !HttpMethods.IsGet(context.Request.Method) || !path.StartsWith(basePath, StringComparison.Ordinal))
        {
            return null;
        }

        var name = path[basePath.Length..];
        if (!Cache.TryGetValue(name, out var file))
        {
            return null;
        }

        var response = context.Response;
        response.Headers.CacheControl = "public, max-age=0";
        response.Headers.ETag = file.ETag;
        if (Matches(context.Request.Headers.IfNoneMatch, file.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = name.EndsWith(".map", StringComparison.Ordinal) ? "application/json; charset=utf-8" : "application/javascript; charset=utf-8";
        response.ContentLength = file.Content.Length;
        return response.Body.WriteAsync(file.Content, 0, file.Content.Length, context.RequestAborted);
    }

    // If-None-Match uses weak comparison: W/"x" matches "x", and any listed tag may match.
    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var header in ifNoneMatch)
        {
            foreach (var candidate in (header ?? string.Empty).Split(',', StringSplitOptions.TrimEntries))
            {
                var tag = candidate.StartsWith("W/", StringComparison.Ordinal) ? candidate[2..] : candidate;
                if (tag == etag || tag == "*")
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static Dictionary<string, (byte[], string)> Load()
    {
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        var version = Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "SocketIOClientVersion")?.Value ?? "0";
        foreach (var name in Files)
        {
            using var stream = Assembly.GetManifestResourceStream("client-dist/" + name);
            if (stream is null)
            {
                continue;
            }

            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            files[name] = (memory.ToArray(), new EntityTagHeaderValue("\"" + version + "\"").ToString());
        }

        return files;
    }
}
