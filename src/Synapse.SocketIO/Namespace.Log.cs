using Microsoft.Extensions.Logging;

namespace Synapse.SocketIO;

public partial class Namespace
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "A {Event} handler of namespace {Namespace} failed.")]
        public static partial void HandlerFailed(ILogger logger, string @namespace, string @event, Exception exception);

        [LoggerMessage(2, LogLevel.Debug, "Namespace {Namespace} refused a connection: {Message}.")]
        public static partial void ConnectionRefused(ILogger logger, string @namespace, string message);

        [LoggerMessage(3, LogLevel.Warning, "Namespace {Namespace} could not restore a session for connection state recovery.")]
        public static partial void RestoreFailed(ILogger logger, string @namespace, Exception exception);
    }
}
