namespace Synapse.SocketIO;

/// <summary>An incoming event as packet middlewares (<see cref="Socket.Use"/>) see it.</summary>
/// <param name="Socket">The receiving socket.</param>
/// <param name="Name">The event name.</param>
/// <param name="Arguments">Its arguments.</param>
public sealed record SocketIOEvent(Socket Socket, string Name, SocketIOArguments Arguments);
