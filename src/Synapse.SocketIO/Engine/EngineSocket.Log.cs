using Microsoft.Extensions.Logging;

namespace Synapse.SocketIO.Engine;

public sealed partial class EngineSocket
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "An Engine.IO {Event} handler of session {Sid} threw.")]
        public static partial void HandlerFailed(ILogger logger, string sid, string @event, Exception exception);

        [LoggerMessage(2, LogLevel.Debug, "Engine.IO session {Sid} closed: {Reason}.")]
        public static partial void SessionClosed(ILogger logger, string sid, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Engine.IO session {Sid} is closed: it fell {Packets} packets ({Bytes} bytes) behind (send buffer full).")]
        public static partial void SendBufferFull(ILogger logger, string sid, int packets, long bytes);
    }
}
