using System.Reflection;
using System.Text.Json;

namespace Synapse.SocketIO.Internal;

/// <summary>
/// A user handler with its parameters bound once, at registration: each parameter is filled per
/// event from what it declares. <see cref="Socket"/>, <see cref="AckCallback"/>,
/// <see cref="SocketIOArguments"/> (all arguments), <c>object?[]</c> (all arguments as plain values),
/// <see cref="CancellationToken"/> (the socket's lifetime) are injected; every other parameter takes
/// the next argument, deserialised to its type.
/// </summary>
internal sealed class EventHandlerBinding
{
    private enum Kind
    {
        Argument,
        Socket,
        Ack,
        Arguments,
        Objects,
        CancellationToken,
    }

    private readonly Delegate _handler;
    private readonly MethodInvoker _invoker;
    private readonly Kind[] _kinds;
    private readonly int[] _argumentIndex;
    private readonly Type[] _types;

    public EventHandlerBinding(Delegate handler, bool once = false)
    {
        _handler = handler;
        Once = once;
        var method = handler.Method;
        _invoker = MethodInvoker.Create(method);
        var parameters = method.GetParameters();
        _kinds = new Kind[parameters.Length];
        _argumentIndex = new int[parameters.Length];
        _types = new Type[parameters.Length];
        var next = 0;
        for (var i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            _types[i] = type;
            _kinds[i] = type == typeof(Socket) ? Kind.Socket
                : type == typeof(AckCallback) ? Kind.Ack
                : type == typeof(SocketIOArguments) ? Kind.Arguments
                : type == typeof(object?[]) ? Kind.Objects
                : type == typeof(CancellationToken) ? Kind.CancellationToken
                : Kind.Argument;
            if (_kinds[i] == Kind.Argument)
            {
                _argumentIndex[i] = next++;
            }
        }

        ReturnsTask = typeof(Task).IsAssignableFrom(method.ReturnType) || method.ReturnType == typeof(ValueTask)
            || (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(ValueTask<>));
    }

    public Delegate Handler => _handler;

    public bool Once { get; }

    private bool ReturnsTask { get; }

    /// <summary>Calls the handler; a returned task is handed back so the caller can observe it.</summary>
    /// <exception cref="JsonException">An argument does not fit its parameter.</exception>
    public Task? Invoke(Socket socket, SocketIOArguments arguments, AckCallback? ack)
    {
        var values = new object?[_kinds.Length];
        for (var i = 0; i < _kinds.Length; i++)
        {
            values[i] = _kinds[i] switch
            {
                Kind.Socket => socket,
                Kind.Ack => ack ?? NoAck,
                Kind.Arguments => arguments,
                Kind.Objects => arguments.ToObjects(),
                Kind.CancellationToken => socket.DisconnectedToken,
                _ => arguments.GetValue(_argumentIndex[i], _types[i]),
            };
        }

        var result = _invoker.Invoke(_handler.Target, values.AsSpan());
        if (!ReturnsTask || result is null)
        {
            return null;
        }

        return result switch
        {
            Task task => task,
            ValueTask valueTask => valueTask.AsTask(),
            _ => (Task?)result.GetType().GetMethod(nameof(ValueTask<int>.AsTask))?.Invoke(result, null),
        };
    }

    private static void NoAck(params object?[] args)
    {
        // The client did not ask for an acknowledgement: answering is a no-op, as in Node.
    }
}
