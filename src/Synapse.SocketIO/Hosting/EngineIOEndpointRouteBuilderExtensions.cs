using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Synapse.SocketIO.Engine;

namespace Synapse.SocketIO.Hosting;

/// <summary>Maps the Engine.IO endpoint.</summary>
public static class EngineIOEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves the registered <see cref="EngineServer"/> under <paramref name="path"/> (default: the
    /// options' <see cref="EngineIOOptions.Path"/>), for every method: long-polling, WebSocket
    /// upgrades and CORS preflights all arrive there. <paramref name="onConnection"/>, when given,
    /// is attached to <see cref="EngineServer.Connection"/>.
    /// </summary>
    public static IEndpointConventionBuilder MapEngineIO(this IEndpointRouteBuilder endpoints, string? path = null, Action<EngineSocket>? onConnection = null)
    {
        var server = endpoints.ServiceProvider.GetRequiredService<EngineServer>();
        if (onConnection is not null)
        {
            server.Connection += onConnection;
        }

        return endpoints.Map(RoutePattern(path ?? server.Options.Path), server.HandleRequestAsync)
            .WithDisplayName("Engine.IO");
    }

    /// <summary>A prefix match like Node's: <c>/engine.io/</c> also serves <c>/engine.io</c> and anything below it.</summary>
    internal static string RoutePattern(string path) => path.TrimEnd('/') + "/{**engineIOPath}";
}
