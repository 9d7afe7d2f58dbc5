using Microsoft.Extensions.Logging;

namespace Synapse.SocketIO.Engine;

public sealed partial class EngineServer
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Engine.IO session {Sid} opened over {Transport}.")]
        public static partial void SessionOpened(ILogger logger, string sid, string transport);

        [LoggerMessage(2, LogLevel.Debug, "Engine.IO request refused with code {Code} ({Message}): {Method} {Query}.")]
        public static partial void RequestRefused(ILogger logger, EngineErrorCode code, string message, string method, string? query);

        [LoggerMessage(3, LogLevel.Error, "An Engine.IO {Event} handler threw.")]
        public static partial void HandlerFailed(ILogger logger, string @event, Exception exception);

        [LoggerMessage(4, LogLevel.Debug, "A second WebSocket for Engine.IO session {Sid} was closed.")]
        public static partial void SecondWebSocketRefused(ILogger logger, string sid);
    }
}
