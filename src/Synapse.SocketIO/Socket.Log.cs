using Microsoft.Extensions.Logging;

namespace Synapse.SocketIO;

public sealed partial class Socket
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "A {Event} handler of socket {Id} failed.")]
        public static partial void HandlerFailed(ILogger logger, string id, string @event, Exception exception);

        [LoggerMessage(2, LogLevel.Debug, "Socket {Id} left namespace {Namespace}: {Reason}.")]
        public static partial void Disconnected(ILogger logger, string id, string @namespace, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Socket {Id}: unhandled error (no Error listener).")]
        public static partial void UnhandledError(ILogger logger, string id, Exception exception);

        [LoggerMessage(4, LogLevel.Warning, "The session of socket {Id} could not be kept for recovery.")]
        public static partial void PersistFailed(ILogger logger, string id, Exception exception);

        [LoggerMessage(5, LogLevel.Error, "Socket {Id} could not join its rooms in namespace {Namespace}.")]
        public static partial void AdapterJoinFailed(ILogger logger, Exception exception, string id, string @namespace);
    }
}
