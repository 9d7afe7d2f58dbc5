using Synapse.Server.Domain;
using Synapse.Server.Services;

namespace Synapse.Server.Api;

/// <summary><c>/api/auth</c>: register, login, refresh, logout.</summary>
public static class AuthEndpoints
{
    /// <summary>Maps the endpoints on <paramref name="group"/>.</summary>
    public static RouteGroupBuilder MapAuthEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("/register", async (RegisterRequest request, AccountService accounts, CancellationToken ct) =>
            (await accounts.RegisterAsync(request.UserName, request.Password, request.DisplayName, ct))
                .ToHttpResult(session => TypedResults.Created("/api/users/me", AuthResponse.From(session))));

        group.MapPost("/login", async (LoginRequest request, AccountService accounts, HttpContext http, CancellationToken ct) =>
            (await accounts.LoginAsync(request.UserName, request.Password, ClientAddress(http), ct))
                .ToHttpResult(session => TypedResults.Ok(AuthResponse.From(session))));

        group.MapPost("/refresh", async (RefreshRequest request, AccountService accounts, CancellationToken ct) =>
            (await accounts.RefreshAsync(request.RefreshToken, ct))
                .ToHttpResult(session => TypedResults.Ok(AuthResponse.From(session))));

        group.MapPost("/logout", async (RefreshRequest request, AccountService accounts, CancellationToken ct) =>
            await accounts.LogoutAsync(request.RefreshToken, ct) is { } error ? error.ToHttpResult() : TypedResults.NoContent());

        return group;
    }

    // Behind a reverse proxy, configure the forwarded-headers middleware so that this is the client's address.
    private static string ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}

/// <summary><c>POST /api/auth/register</c>.</summary>
public sealed record RegisterRequest(string? UserName, string? Password, string? DisplayName);

/// <summary><c>POST /api/auth/login</c>.</summary>
public sealed record LoginRequest(string? UserName, string? Password);

/// <summary><c>POST /api/auth/refresh</c> and <c>/logout</c>.</summary>
public sealed record RefreshRequest(string? RefreshToken);

/// <summary>A signed-in session.</summary>
/// <param name="User">The user.</param>
/// <param name="AccessToken">The JWT for <c>Authorization: Bearer</c> and the Socket.IO <c>auth.token</c>.</param>
/// <param name="AccessTokenExpiresAt">When the access token expires.</param>
/// <param name="RefreshToken">The single-use token for <c>/api/auth/refresh</c>.</param>
public sealed record AuthResponse(User User, string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken)
{
    /// <summary>The response for a session.</summary>
    public static AuthResponse From(AuthSession session) => new(session.User, session.AccessToken, session.AccessTokenExpiresAt, session.RefreshToken);
}
