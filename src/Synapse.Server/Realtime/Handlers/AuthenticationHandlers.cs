using Synapse.Server.Auth;
using Synapse.Server.Domain;
using Synapse.Server.Realtime.Contracts;

namespace Synapse.Server.Realtime.Handlers;

/// <summary>
/// <c>authenticate {token, userId?, userName?}</c>, the seed's explicit authentication step. The
/// connection was already authenticated by its handshake token; this confirms it: the token must
/// be valid and name the same user, and any userId or userName given must match it.
/// </summary>
public sealed class AuthenticationHandlers(SocketEventDispatcher dispatcher, AccessTokenService tokens) : ISocketEventHandlers
{
    /// <inheritdoc />
    public void Register(SocketSession session) =>
        dispatcher.On(session, SocketEvents.Authenticate, SynapseJsonContext.Default.AuthenticatePayload, (payload, _) => AuthenticateAsync(session, payload));

    private async Task<Result<AckPayload>> AuthenticateAsync(SocketSession session, AuthenticatePayload payload)
    {
        var validation = await tokens.ValidateAsync(payload.Token);
        if (validation.Identity is null)
        {
            return AppError.Unauthenticated(validation.FailureMessage);
        }

        var user = session.User;
        if (validation.Identity.UserId != user.Id)
        {
            return AppError.Forbidden("The token names another user than this connection's.");
        }

        if (payload.UserId is not null && payload.UserId != user.Id)
        {
            return AppError.Forbidden("userId does not match the token.");
        }

        if (payload.UserName is not null && !string.Equals(payload.UserName, user.UserName, StringComparison.OrdinalIgnoreCase))
        {
            return AppError.Forbidden("userName does not match the token.");
        }

        return new AuthenticatedAck(user);
    }
}
