using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Synapse.Server.Domain;

namespace Synapse.Server.Auth;

/// <summary>
/// Authenticates REST requests from <c>Authorization: Bearer &lt;access token&gt;</c>. A refused
/// request gets 401 with <c>WWW-Authenticate</c>; its JSON error body is written by the API's
/// error middleware from the <see cref="AppError"/> this handler leaves in <c>HttpContext.Items</c>.
/// </summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccessTokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "Bearer";

    private AccessTokenValidation? _validation;

    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var validation = await tokens.ValidateAsync(header["Bearer ".Length..].Trim());
        _validation = validation;
        if (validation.Identity is null)
        {
            return AuthenticateResult.Fail(validation.FailureMessage);
        }

        var principal = AccessTokenService.ToPrincipal(validation.Identity, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    /// <inheritdoc />
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var validation = _validation ?? new AccessTokenValidation(null, AccessTokenFailure.Missing);
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = validation.Failure == AccessTokenFailure.Missing
            ? "Bearer"
            : $"Bearer error=\"invalid_token\", error_description=\"{validation.FailureMessage}\"";
        Context.Items[typeof(AppError)] = AppError.Unauthenticated(validation.FailureMessage);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        Context.Items[typeof(AppError)] = AppError.Forbidden("You are not allowed to do this.");
        return Task.CompletedTask;
    }
}
