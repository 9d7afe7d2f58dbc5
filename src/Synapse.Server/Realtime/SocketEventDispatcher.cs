using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Synapse.Server.Domain;
using Synapse.Server.Realtime.Contracts;
using Synapse.SocketIO;

namespace Synapse.Server.Realtime;

/// <summary>
/// Binds client events to handlers with one policy for all of them: the payload must be a JSON
/// object of the expected shape; handlers run one at a time per socket; the outcome answers the
/// ack callback (<c>{"success":true,...}</c> or <c>{"success":false,"error":{code,message}}</c>),
/// or, when the client gave none, a failure is emitted to the socket as <c>error</c>.
/// </summary>
public sealed partial class SocketEventDispatcher(ILogger<SocketEventDispatcher> logger)
{
    /// <summary>Handles <paramref name="eventName"/> on the session's socket.</summary>
    public void On<TPayload>(
        SocketSession session,
        string eventName,
        JsonTypeInfo<TPayload> payloadType,
        Func<TPayload, CancellationToken, Task<Result<AckPayload>>> handler)
        where TPayload : class
    {
        // The arguments are bound here rather than by the library's typed parameters, so that a
        // malformed payload is answered with VALIDATION_ERROR instead of being dropped unanswered.
        session.Socket.On(eventName, (SocketIOArguments arguments, AckCallback ack) => DispatchAsync(session, eventName, arguments, ack, payloadType, handler));
    }

    private async Task DispatchAsync<TPayload>(
        SocketSession session,
        string eventName,
        SocketIOArguments arguments,
        AckCallback ack,
        JsonTypeInfo<TPayload> payloadType,
        Func<TPayload, CancellationToken, Task<Result<AckPayload>>> handler)
        where TPayload : class
    {
        Result<AckPayload> result;
        if (Parse(arguments, payloadType) is not { } payload)
        {
            result = AppError.Validation($"{eventName} expects an object payload with valid fields.");
        }
        else
        {
            try
            {
                await session.Gate.WaitAsync(session.Disconnected);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                result = await handler(payload, session.Disconnected);
            }
            catch (OperationCanceledException) when (session.Disconnected.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(logger, eventName, session.Id, session.User.Id, ex);
                result = AppError.Internal();
            }
            finally
            {
                session.Gate.Release();
            }
        }

        Reply(session, eventName, arguments.AckRequested, ack, result);
    }

    private void Reply(SocketSession session, string eventName, bool ackRequested, AckCallback ack, Result<AckPayload> result)
    {
        if (result.IsSuccess)
        {
            ack(result.Value);
            return;
        }

        var error = result.Error.ToBody();
        Log.EventRefused(logger, eventName, session.Id, error.Code, error.Message);
        if (ackRequested)
        {
            ack(new AckFailure(error));
        }
        else
        {
            session.Socket.Emit(SocketEvents.Error, error);
        }
    }

    private static TPayload? Parse<TPayload>(SocketIOArguments arguments, JsonTypeInfo<TPayload> payloadType)
        where TPayload : class
    {
        if (arguments.Count == 0 || arguments[0].ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        try
        {
            return arguments[0].Deserialize(payloadType);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Handling {EventName} from socket {SocketId} (user {UserId}) failed.")]
        public static partial void HandlerFailed(ILogger logger, string eventName, string socketId, string userId, Exception exception);

        [LoggerMessage(2, LogLevel.Debug, "{EventName} from socket {SocketId} refused: {Code} {Message}")]
        public static partial void EventRefused(ILogger logger, string eventName, string socketId, string code, string message);
    }
}
