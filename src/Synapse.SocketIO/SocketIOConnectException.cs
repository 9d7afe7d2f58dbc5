namespace Synapse.SocketIO;

/// <summary>
/// Thrown by a namespace middleware to refuse a connection: the client receives a CONNECT_ERROR
/// carrying <see cref="Exception.Message"/> and <see cref="ErrorData"/> (its <c>connect_error</c>
/// event sees <c>err.message</c> and <c>err.data</c>).
/// </summary>
public class SocketIOConnectException : Exception
{
    /// <summary>Creates the refusal.</summary>
    public SocketIOConnectException(string message, object? data = null)
        : base(message) => ErrorData = data;

    /// <summary>Extra details for the client; serialised as JSON.</summary>
    public object? ErrorData { get; }
}
