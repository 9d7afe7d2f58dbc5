namespace Synapse.SocketIO;

/// <summary>
/// Answers a client's event that asked for an acknowledgement. Only the first call sends;
/// later calls are ignored, as in Node.
/// </summary>
public delegate void AckCallback(params object?[] args);
