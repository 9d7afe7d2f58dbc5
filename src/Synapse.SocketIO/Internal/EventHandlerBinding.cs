using System.Reflection;
using System.Runtime.CompilerServices;
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

    // Every socket registers the same handlers (usually in the connection handler): what is learnt
    // from the method is computed once per method and shared, so a binding is a small object.
    private static readonly ConditionalWeakTable<MethodInfo, Signature> Signatures = new();

    private readonly Delegate _handler;
    private readonly Signature _signature;

    public EventHandlerBinding(string eventName, Delegate handler, bool once = false)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(handler);
        EventName = eventName;
        _handler = handler;
        Once = once;
        _signature = Signatures.GetValue(handler.Method, static method => new Signature(method));
    }

    /// <summary>The event the handler listens to.</summary>
    public string EventName { get; }

    public Delegate Handler => _handler;

    public bool Once { get; }

    /// <summary>Calls the handler; a returned task is handed back so the caller can observe it.</summary>
    /// <exception cref="JsonException">An argument does not fit its parameter.</exception>
    public Task? Invoke(Socket socket, SocketIOArguments arguments, AckCallback? ack)
    {
        var values = new object?[_signature.Kinds.Length];
        for (var i = 0; i < _signature.Kinds.Length; i++)
        {
            values[i] = _signature.Kinds[i] switch
            {
                Kind.Socket => socket,
                Kind.Ack => ack ?? NoAck,
                Kind.Arguments => arguments,
                Kind.Objects => arguments.ToObjects(),
                Kind.CancellationToken => socket.DisconnectedToken,
                _ => arguments.GetValue(_signature.ArgumentIndex[i], _signature.Types[i]),
            };
        }

        var result = _signature.Invoker.Invoke(_handler.Target, values.AsSpan());
        if (!_signature.ReturnsTask || result is null)
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

    private sealed class Signature
    {
        public Signature(MethodInfo method)
        {
            Invoker = MethodInvoker.Create(method);
            var parameters = method.GetParameters();
            Kinds = new Kind[parameters.Length];
            ArgumentIndex = new int[parameters.Length];
            Types = new Type[parameters.Length];
            var next = 0;
            for (var i = 0; i < parameters.Length; i++)
            {
                var type = parameters[i].ParameterType;
                Types[i] = type;
                Kinds[i] = type == typeof(Socket) ? Kind.Socket
                    : type == typeof(AckCallback) ? Kind.Ack
                    : type == typeof(SocketIOArguments) ? Kind.Arguments
                    : type == typeof(object?[]) ? Kind.Objects
                    : type == typeof(CancellationToken) ? Kind.CancellationToken
                    : Kind.Argument;
                if (Kinds[i] == Kind.Argument)
                {
                    ArgumentIndex[i] = next++;
                }
            }

            ReturnsTask = typeof(Task).IsAssignableFrom(method.ReturnType) || method.ReturnType == typeof(ValueTask)
                || (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(ValueTask<>));
        }

        public MethodInvoker Invoker { get; }

        public Kind[] Kinds { get; }

        public int[] ArgumentIndex { get; }

        public Type[] Types { get; }

        public bool ReturnsTask { get; }
    }
}
