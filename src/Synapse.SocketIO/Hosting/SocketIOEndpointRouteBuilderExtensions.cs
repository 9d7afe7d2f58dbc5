using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Synapse.SocketIO.Hosting;

/// <summary>Maps the Socket.IO endpoint.</summary>
public static class SocketIOEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves the registered <see cref="SocketIOServer"/> under its <see cref="SocketIOOptions.Path"/>
    /// (default <c>/socket.io/</c>): long-polling, WebSocket upgrades, CORS preflights and, with
    /// <see cref="SocketIOOptions.ServeClient"/>, the client bundle. <paramref name="configure"/> runs
    /// once with the server, the place to declare namespaces and connection handlers.
    /// </summary>
    public static IEndpointConventionBuilder MapSocketIO(this IEndpointRouteBuilder endpoints, Action<SocketIOServer>? configure = null)
    {
        var server = endpoints.ServiceProvider.GetRequiredService<SocketIOServer>();
        configure?.Invoke(server);
        var path = server.Options.Path;
        RequestDelegate handler = server.Options.ServeClient
            ? context => ClientBundle.TryServeAsync(context, path) is { } serving ? serving : server.HandleRequestAsync(context)
            : server.HandleRequestAsync;
        return endpoints.Map(EngineIOEndpointRouteBuilderExtensions.RoutePattern(path), handler).WithDisplayName("Socket.IO");
    }
}
