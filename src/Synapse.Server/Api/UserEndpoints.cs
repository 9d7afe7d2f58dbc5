using Synapse.Server.Domain;
using Synapse.Server.Services;
using Synapse.Server.Storage;

namespace Synapse.Server.Api;

/// <summary><c>/api/users</c>: me, search, one user.</summary>
public static class UserEndpoints
{
    /// <summary>Default and largest search page.</summary>
    public const int DefaultLimit = 20;

    /// <summary>Largest search page.</summary>
    public const int MaxLimit = 50;

    /// <summary>Maps the endpoints on <paramref name="group"/>.</summary>
    public static RouteGroupBuilder MapUserEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/me", (HttpContext http) => TypedResults.Ok(CurrentUser.Get(http)));

        group.MapGet("/", async (string? search, int? limit, IUserStore users, HttpContext http, CancellationToken ct) =>
        {
            if (InputRules.CheckSearch(search, out var text) is { } searchError)
            {
                return searchError.ToHttpResult();
            }

            if (InputRules.CheckLimit(limit, DefaultLimit, MaxLimit, out var size) is { } limitError)
            {
                return limitError.ToHttpResult();
            }

            var found = await users.SearchUsersAsync(text, CurrentUser.Get(http).Id, size, ct);
            return TypedResults.Ok(new UserListResponse(found));
        });

        group.MapGet("/{userId}", async (string userId, IUserStore users, CancellationToken ct) =>
        {
            if (InputRules.CheckId(userId, "userId", out var id) is { } error)
            {
                return error.ToHttpResult();
            }

            return await users.GetUserAsync(id, ct) is { } user ? TypedResults.Ok(user) : AppError.NotFound("No such user.").ToHttpResult();
        });

        return group;
    }
}

/// <summary><c>GET /api/users</c>: users other than the caller, by user name.</summary>
public sealed record UserListResponse(IReadOnlyList<User> Users);
