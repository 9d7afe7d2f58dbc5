using Synapse.Server.Auth;
using Synapse.Server.Domain;
using Synapse.Server.Storage;

namespace Synapse.Server.Api;

/// <summary>
/// Loads the authenticated caller's account for the endpoints of a group (an endpoint filter), so
/// that handlers get it with <see cref="CurrentUser.Get"/>. A valid token whose user no longer
/// exists is answered 401.
/// </summary>
public sealed class CurrentUser(IUserStore users) : IEndpointFilter
{
    /// <summary>The caller, loaded by the filter.</summary>
    public static User Get(HttpContext context) =>
        context.Items[typeof(CurrentUser)] as User ?? throw new InvalidOperationException("The endpoint lacks the CurrentUser filter.");

    /// <inheritdoc />
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var userId = AccessTokenService.GetUserId(http.User);
        var user = userId is null ? null : await users.GetUserAsync(userId, http.RequestAborted);
        if (user is null)
        {
            return AppError.Unauthenticated("The access token's user no longer exists.").ToHttpResult();
        }

        http.Items[typeof(CurrentUser)] = user;
        return await next(context);
    }
}
