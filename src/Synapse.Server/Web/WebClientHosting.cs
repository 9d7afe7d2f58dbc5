using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Synapse.Server.Web;

/// <summary>
/// Serves the web client (<c>web/</c>, built by Vite at build time and embedded in this assembly
/// under <c>webclient.</c>) at <c>/</c>: its files as static files, and <c>index.html</c> for every
/// other GET that is not under <c>/api</c> or <c>/socket.io</c> (client-side routes), so the
/// fallback never shadows the API or the real-time endpoint.
/// </summary>
public static class WebClientHosting
{
    /// <summary>The manifest-resource prefix of the embedded files (see the csproj).</summary>
    public const string ResourceNamespace = "webclient";

    private static readonly string[] ReservedPrefixes = ["/api", "/socket.io"];

    /// <summary>The embedded client, or null when the assembly was built without it.</summary>
    public static IFileProvider? EmbeddedClient(Assembly? assembly = null)
    {
        assembly ??= typeof(WebClientHosting).Assembly;
        var provider = new EmbeddedFileProvider(assembly, ResourceNamespace);
        return provider.GetFileInfo("index.html").Exists ? provider : null;
    }

    /// <summary>Adds the static files of the client (before the endpoints run).</summary>
    public static IApplicationBuilder UseSynapseWebClient(this IApplicationBuilder app, IFileProvider? files)
    {
        if (files is null)
        {
            return app;
        }

        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".map"] = "application/json";
        types.Mappings[".webmanifest"] = "application/manifest+json";
        return app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = types,
            OnPrepareResponse = context =>
            {
                // Vite names assets by content hash: cache them for good; everything else revalidates.
                var immutable = context.Context.Request.Path.StartsWithSegments("/assets");
                context.Context.Response.Headers[HeaderNames.CacheControl] = immutable ? "public, max-age=31536000, immutable" : "no-cache";
            },
        });
    }

    /// <summary>Maps the SPA fallback: <c>index.html</c> (or a note that the client is not built) for GET and HEAD.</summary>
    public static IEndpointConventionBuilder MapSynapseWebClient(this IEndpointRouteBuilder endpoints, IFileProvider? files)
    {
        return endpoints.MapFallback(async context =>
        {
            var path = context.Request.Path;
            if (ReservedPrefixes.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase)))
            {
                // Unknown API routes keep their JSON 404 (written by the error middleware).
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            context.Response.Headers[HeaderNames.CacheControl] = "no-cache";
            context.Response.ContentType = "text/html; charset=utf-8";
            var index = files?.GetFileInfo("index.html");
            if (index is null || !index.Exists)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await context.Response.WriteAsync(NotBuiltPage, Encoding.UTF8, context.RequestAborted);
                return;
            }

            context.Response.ContentLength = index.Length;
            if (HttpMethods.IsHead(context.Request.Method))
            {
                return;
            }

            await using var stream = index.CreateReadStream();
            await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
        }).WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head])).WithDisplayName("Web client");
    }

    private const string NotBuiltPage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Synapse</title></head>
        <body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
        <h1>Synapse</h1>
        <p>The server is running (REST under <code>/api</code>, Socket.IO at <code>/socket.io/</code>),
        but this build does not include the web client. Build it with
        <code>dotnet build src/Synapse.Server</code> (which runs <code>npm ci</code> and
        <code>npm run build</code> in <code>web/</code>; Node 20.19+ and npm are needed), or run
        <code>npm run dev</code> in <code>web/</code>.</p>
        </body></html>
        """;
}
