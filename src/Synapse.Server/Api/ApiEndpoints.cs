using Microsoft.AspNetCore.Mvc;
using Synapse.Server.Domain;

namespace Synapse.Server.Api;

/// <summary>Maps the REST API under <c>/api</c>.</summary>
public static class ApiEndpoints
{
    /// <summary>Largest request body the API reads.</summary>
    public const int MaxRequestBodySize = 64 * 1024;

    /// <summary>Maps health, auth (anonymous) and the authenticated users, rooms, notifications and admin groups.</summary>
    public static IEndpointRouteBuilder MapSynapseApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").WithMetadata(new RequestSizeLimitAttribute(MaxRequestBodySize));
        api.MapGet("/health", () => TypedResults.Ok(new HealthResponse("ok"))).AllowAnonymous();
        api.MapGroup("/auth").MapAuthEndpoints();

        var authenticated = api.MapGroup(string.Empty).RequireAuthorization().AddEndpointFilter<CurrentUser>();
        authenticated.MapGroup("/users").MapUserEndpoints();
        authenticated.MapGroup("/rooms").MapRoomEndpoints();
        authenticated.MapGroup("/notifications").MapNotificationEndpoints();
        authenticated.MapGroup("/admin").MapAdminEndpoints();
        return endpoints;
    }

    /// <summary>The success response, or the error's.</summary>
    public static IResult ToHttpResult<T>(this Result<T> result, Func<T, IResult> onSuccess) =>
        result.IsSuccess ? onSuccess(result.Value) : result.Error.ToHttpResult();
}

/// <summary><c>GET /api/health</c>.</summary>
/// <param name="Status">Always <c>ok</c>.</param>
public sealed record HealthResponse(string Status);
