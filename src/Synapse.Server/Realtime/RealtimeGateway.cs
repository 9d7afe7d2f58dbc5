using System.Collections.Concurrent;
using Synapse.Server.Auth;
using Synapse.Server.Domain;
using Synapse.Server.Realtime.Contracts;
using Synapse.Server.Realtime.Handlers;
using Synapse.Server.Storage;
using Synapse.SocketIO;

namespace Synapse.Server.Realtime;

/// <summary>
/// Wires the real-time API onto the Socket.IO server: a connection middleware that admits only
/// sockets with a valid access token, and for each admitted socket its session, its personal room
/// <c>user:{id}</c>, the event handlers of every area and the presence and clean-up lifecycle.
/// </summary>
public sealed partial class RealtimeGateway
{
    /// <summary>The <c>connect_error</c> message of a refused connection (the seed's wording).</summary>
    public const string AuthenticationErrorMessage = "Authentication error";

    private readonly AccessTokenService _tokens;
    private readonly IUserStore _users;
    private readonly PresenceHandlers _presence;
    private readonly TypingHandlers _typing;
    private readonly CallHandlers _calls;
    private readonly ILogger<RealtimeGateway> _logger;
    private readonly ISocketEventHandlers[] _handlers;
    private readonly ConcurrentDictionary<Task, byte> _cleanUps = new();

    /// <summary>Creates the gateway and listens to presence changes decided elsewhere in the cluster.</summary>
    public RealtimeGateway(
        AccessTokenService tokens,
        IUserStore users,
        IEnumerable<ISocketEventHandlers> handlers,
        IPresenceStore presenceStore,
        PresenceHandlers presence,
        TypingHandlers typing,
        CallHandlers calls,
        ILogger<RealtimeGateway> logger)
    {
        _tokens = tokens;
        _users = users;
        _presence = presence;
        _typing = typing;
        _calls = calls;
        _logger = logger;
        _handlers = handlers.ToArray();
        presenceStore.UserLost += OnUserLostAsync;
        presenceStore.UserRestored += OnUserRestoredAsync;
    }

    /// <summary>Registers the middleware and the connection handler on the main namespace.</summary>
    public void Attach(SocketIOServer io)
    {
        io.Use(AuthenticateAsync);
        io.OnConnection(OnConnectionAsync);
    }

    private async Task AuthenticateAsync(Socket socket, Func<Task> next)
    {
        var validation = await _tokens.ValidateAsync(ReadToken(socket.Handshake));
        var user = validation.Identity is { } identity ? await _users.GetUserAsync(identity.UserId, socket.DisconnectedToken) : null;
        if (user is null)
        {
            var message = validation.Identity is null ? validation.FailureMessage : "The user no longer exists.";
            Log.ConnectionRefused(_logger, socket.Handshake.Address?.ToString(), message);
            throw new SocketIOConnectException(AuthenticationErrorMessage, new ConnectErrorData(ErrorCodes.Unauthenticated, message));
        }

        socket.Data[SocketSession.UserDataKey] = user;
        await next();
    }

    /// <summary>The token from the handshake's <c>auth.token</c>, or else an <c>Authorization: Bearer</c> header.</summary>
    private static string? ReadToken(SocketHandshake handshake)
    {
        if (handshake.Auth.ValueKind == System.Text.Json.JsonValueKind.Object
            && handshake.Auth.TryGetProperty("token", out var token)
            && token.ValueKind == System.Text.Json.JsonValueKind.String)
        {
            return token.GetString();
        }

        var header = handshake.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    private async Task OnConnectionAsync(Socket socket)
    {
        if (!socket.Data.TryGetValue(SocketSession.UserDataKey, out var value) || value is not User user)
        {
            socket.Disconnect();
            return;
        }

        var session = new SocketSession(socket, user);

        // Handlers first, synchronously: the client may emit as soon as it sees the CONNECT.
        foreach (var handler in _handlers)
        {
            handler.Register(session);
        }

        await socket.Join(RoomNames.User(user.Id));

        // Start counting the socket before listening for its disconnect, then check it did not
        // already go: either way the clean-up runs exactly once (SocketSession.TryClose), after
        // the counting (SocketSession.Counted).
        var counting = _presence.ConnectAsync(session).AsTask();
        session.Counted = counting;
        socket.Disconnected += (closed, reason) => Track(OnDisconnectedAsync(session, reason));
        if (!socket.Connected)
        {
            await OnDisconnectedAsync(session, DisconnectReason.TransportClose);
            return;
        }

        Log.Connected(_logger, socket.Id, user.Id, user.UserName);
        try
        {
            await _presence.AnnounceOnlineAsync(user, await counting);
        }
        catch (Exception ex)
        {
            Log.LifecycleFailed(_logger, socket.Id, "connect", ex);
        }
    }

    /// <summary>
    /// Waits (up to <paramref name="timeout"/>) for the disconnect clean-ups under way: at shutdown
    /// the offline announcements must go out before Redis and the adapter are closed.
    /// </summary>
    public async Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_cleanUps.Keys).WaitAsync(timeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void Track(Task cleanUp)
    {
        if (cleanUp.IsCompleted)
        {
            return;
        }

        _cleanUps.TryAdd(cleanUp, 0);
        cleanUp.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _), _cleanUps, TaskScheduler.Default);
    }

    private async Task OnDisconnectedAsync(SocketSession session, string reason)
    {
        if (!session.TryClose())
        {
            return;
        }

        try
        {
            Log.Disconnected(_logger, session.Id, session.User.Id, reason);
            _typing.OnDisconnected(session);
            await session.Counted.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var change = await _presence.DisconnectAsync(session);
            if (change.Changed)
            {
                await _calls.OnUserOfflineAsync(session.User.Id);
                await _presence.AnnounceOfflineAsync(session.User.Id, change);
            }
        }
        catch (Exception ex)
        {
            Log.LifecycleFailed(_logger, session.Id, "disconnect", ex);
        }
    }

    /// <summary>A user's node died (or left) with their last connections: end their calls and tell their rooms.</summary>
    private async Task OnUserLostAsync(string userId, PresenceChange change)
    {
        await _calls.OnUserOfflineAsync(userId);
        await _presence.AnnounceOfflineAsync(userId, change);
    }

    /// <summary>This node's connections of a user counted again after an outage: tell their rooms they are back.</summary>
    private async Task OnUserRestoredAsync(string userId, PresenceChange change)
    {
        if (await _users.GetUserAsync(userId, CancellationToken.None) is { } user)
        {
            await _presence.AnnounceOnlineAsync(user, change);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Socket connection from {Address} refused: {Reason}")]
        public static partial void ConnectionRefused(ILogger logger, string? address, string reason);

        [LoggerMessage(2, LogLevel.Debug, "Socket {SocketId} connected as {UserId} ({UserName}).")]
        public static partial void Connected(ILogger logger, string socketId, string userId, string userName);

        [LoggerMessage(3, LogLevel.Debug, "Socket {SocketId} of {UserId} disconnected: {Reason}.")]
        public static partial void Disconnected(ILogger logger, string socketId, string userId, string reason);

        [LoggerMessage(4, LogLevel.Error, "The {Stage} clean-up of socket {SocketId} failed.")]
        public static partial void LifecycleFailed(ILogger logger, string socketId, string stage, Exception exception);
    }
}
