using System.Collections.Immutable;
using System.Text.Json;
using Synapse.SocketIO.Internal;
using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO;

public sealed partial class Socket
{
    // Copy-on-write: listeners are mostly registered once, then read for every packet without a lock
    // (replaced under StateLock, never changed in place). One flat array of every event's bindings,
    // in registration order, scanned by name: a socket listens to a handful of events, and a map of
    // lists cost about 100 bytes more per socket for one handler (benchmark S1: memory per idle
    // connection); a name that differs fails its comparison on the length or the first characters.
    // A single binding is kept as itself (the common case: no array, 32 bytes less).
    private object _handlers = Array.Empty<EventHandlerBinding>();

    /// <summary>The bindings as an array (a new one when there is a single binding: not for the per-event path).</summary>
    private EventHandlerBinding[] HandlersArray() => _handlers switch
    {
        EventHandlerBinding one => [one],
        var many => (EventHandlerBinding[])many,
    };

    // The listeners most sockets never have (catch-all, outgoing, packet middlewares, and the
    // Disconnecting, Disconnected and Error events) live in one object created by the first of
    // them: six fields on every socket otherwise (benchmark S1: memory per idle connection).
    private RareListeners? _rare;

    private RareListeners Rare
    {
        get
        {
            var rare = System.Threading.Volatile.Read(ref _rare);
            if (rare is null)
            {
                var created = new RareListeners();
                rare = Interlocked.CompareExchange(ref _rare, created, null) ?? created;
            }

            return rare;
        }
    }

    // Read without a lock, replaced under StateLock (copy-on-write, as _handlers).
    private ImmutableArray<Action<string, SocketIOArguments>> AnyListeners
    {
        get => _rare is { } rare ? rare.Any : [];
        set => Rare.Any = value;
    }

    private ImmutableArray<Action<string, object?[]>> AnyOutgoingListeners
    {
        get => _rare is { } rare ? rare.AnyOutgoing : [];
        set => Rare.AnyOutgoing = value;
    }

    private ImmutableArray<Func<SocketIOEvent, Func<Task>, Task>> Middlewares
    {
        get => _rare is { } rare ? rare.Middlewares : [];
        set => Rare.Middlewares = value;
    }

    /// <summary>
    /// Listens to an event. The handler's parameters are bound from the event: each ordinary
    /// parameter takes the next argument, deserialised to its type (binary as <c>byte[]</c> or
    /// <c>ReadOnlyMemory&lt;byte&gt;</c>); parameters of type <see cref="AckCallback"/>,
    /// <see cref="Socket"/>, <see cref="SocketIOArguments"/>, <c>object?[]</c> or
    /// <see cref="CancellationToken"/> are injected. Async handlers are supported; their failures
    /// are logged and raised as <see cref="Error"/>. <c>disconnect</c> and <c>disconnecting</c>
    /// handlers receive the reason string.
    /// </summary>
    public Socket On(string eventName, Delegate handler) => AddHandler(new EventHandlerBinding(eventName, handler));

    /// <summary>Like <see cref="On"/>, for the next occurrence only.</summary>
    public Socket Once(string eventName, Delegate handler) => AddHandler(new EventHandlerBinding(eventName, handler, once: true));

    /// <summary>Removes one handler of an event, or all of them when <paramref name="handler"/> is null.</summary>
    public Socket Off(string eventName, Delegate? handler = null)
    {
        lock (StateLock)
        {
            var handlers = HandlersArray();
            var kept = Array.FindAll(handlers, b => !string.Equals(b.EventName, eventName, StringComparison.Ordinal) || (handler is not null && b.Handler != handler));
            if (kept.Length != handlers.Length)
            {
                _handlers = kept.Length == 1 ? kept[0] : kept;
            }
        }

        return this;
    }

    /// <summary>
    /// Removes every handler of <paramref name="eventName"/>, or of every event when it is null
    /// (Node's <c>removeAllListeners</c>). Catch-all listeners (<see cref="OnAny"/>) are kept.
    /// </summary>
    public Socket RemoveAllListeners(string? eventName = null)
    {
        if (eventName is not null)
        {
            return Off(eventName);
        }

        lock (StateLock)
        {
            _handlers = Array.Empty<EventHandlerBinding>();
        }

        return this;
    }

    /// <summary>The events with at least one handler.</summary>
    public IReadOnlyCollection<string> EventNames => HandlersArray().Select(b => b.EventName).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>Listens to every incoming event (called before the event's own handlers).</summary>
    public Socket OnAny(Action<string, SocketIOArguments> listener)
    {
        lock (StateLock)
        {
            AnyListeners = AnyListeners.Add(listener);
        }

        return this;
    }

    /// <summary>Like <see cref="OnAny"/>, but first in line.</summary>
    public Socket PrependAny(Action<string, SocketIOArguments> listener)
    {
        lock (StateLock)
        {
            AnyListeners = AnyListeners.Insert(0, listener);
        }

        return this;
    }

    /// <summary>Removes a catch-all listener, or all of them.</summary>
    public Socket OffAny(Action<string, SocketIOArguments>? listener = null)
    {
        lock (StateLock)
        {
            AnyListeners = listener is null ? [] : AnyListeners.Remove(listener);
        }

        return this;
    }

    /// <summary>The catch-all listeners.</summary>
    public IReadOnlyList<Action<string, SocketIOArguments>> ListenersAny => AnyListeners;

    /// <summary>Listens to every outgoing event of this socket (its emits and the broadcasts it receives).</summary>
    public Socket OnAnyOutgoing(Action<string, object?[]> listener)
    {
        lock (StateLock)
        {
            AnyOutgoingListeners = AnyOutgoingListeners.Add(listener);
        }

        return this;
    }

    /// <summary>Like <see cref="OnAnyOutgoing"/>, but first in line.</summary>
    public Socket PrependAnyOutgoing(Action<string, object?[]> listener)
    {
        lock (StateLock)
        {
            AnyOutgoingListeners = AnyOutgoingListeners.Insert(0, listener);
        }

        return this;
    }

    /// <summary>Removes an outgoing catch-all listener, or all of them.</summary>
    public Socket OffAnyOutgoing(Action<string, object?[]>? listener = null)
    {
        lock (StateLock)
        {
            AnyOutgoingListeners = listener is null ? [] : AnyOutgoingListeners.Remove(listener);
        }

        return this;
    }

    /// <summary>The outgoing catch-all listeners.</summary>
    public IReadOnlyList<Action<string, object?[]>> ListenersAnyOutgoing => AnyOutgoingListeners;

    /// <summary>
    /// Adds a packet middleware, run for each incoming event before its handlers. Call
    /// <c>next()</c> to go on; throw to refuse the event (it is dropped and <see cref="Error"/> is raised).
    /// </summary>
    public Socket Use(Func<SocketIOEvent, Func<Task>, Task> middleware)
    {
        lock (StateLock)
        {
            Middlewares = Middlewares.Add(middleware);
        }

        return this;
    }

    private Socket AddHandler(EventHandlerBinding binding)
    {
        lock (StateLock)
        {
            var handlers = HandlersArray();
            _handlers = handlers.Length == 0 ? binding : (EventHandlerBinding[])[.. handlers, binding];
        }

        return this;
    }

    private void NotifyOutgoing(string eventName, object?[] args)
    {
        foreach (var listener in AnyOutgoingListeners)
        {
            try
            {
                listener(eventName, args);
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(Logger, Id, "outgoing any", ex);
            }
        }
    }

    private void OnEvent(SocketIOPacket packet)
    {
        if (packet.Payload is not { ValueKind: JsonValueKind.Array } payload || payload.GetArrayLength() == 0)
        {
            return;
        }

        var first = payload[0];
        var eventName = first.ValueKind == JsonValueKind.String ? Protocol.Json.JsonStringReader.GetString(first) : first.GetRawText();
        var arguments = new SocketIOArguments(packet, 1, Server.Encoder.SerializerOptions);
        AckCallback? ack = packet.AckId is { } id ? new Acknowledger(this, id).Send : null;

        foreach (var listener in AnyListeners)
        {
            try
            {
                listener(eventName, arguments);
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(Logger, Id, "any", ex);
            }
        }

        var middlewares = Middlewares;
        if (middlewares.IsEmpty)
        {
            Dispatch(eventName, arguments, ack);
            return;
        }

        _ = RunMiddlewaresAsync(middlewares, new SocketIOEvent(this, eventName, arguments), ack);
    }

    private async Task RunMiddlewaresAsync(ImmutableArray<Func<SocketIOEvent, Func<Task>, Task>> middlewares, SocketIOEvent ev, AckCallback? ack)
    {
        var index = 0;
        var reachedEnd = false;
        Task Next()
        {
            if (index < middlewares.Length)
            {
                return middlewares[index++](ev, Next);
            }

            reachedEnd = true;
            return Task.CompletedTask;
        }

        try
        {
            await Next();
        }
        catch (Exception ex)
        {
            OnError(ex);
            return;
        }

        if (reachedEnd && Connected)
        {
            Dispatch(ev.Name, ev.Arguments, ack);
        }
    }

    private void Dispatch(string eventName, SocketIOArguments arguments, AckCallback? ack)
    {
        if (!Connected)
        {
            return;
        }

        var handlers = _handlers;
        if (handlers is EventHandlerBinding one)
        {
            Run(one, eventName, arguments, ack);
            return;
        }

        foreach (var binding in (EventHandlerBinding[])handlers)
        {
            Run(binding, eventName, arguments, ack);
        }
    }

    private void Run(EventHandlerBinding binding, string eventName, SocketIOArguments arguments, AckCallback? ack)
    {
        if (!string.Equals(binding.EventName, eventName, StringComparison.Ordinal))
        {
            return;
        }

        if (binding.Once)
        {
            Off(eventName, binding.Handler);
        }

        Task? task;
        try
        {
            task = binding.Invoke(this, arguments, ack);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(Logger, Id, eventName, Unwrap(ex));
            OnError(Unwrap(ex));
            return;
        }

        if (task is { IsCompletedSuccessfully: false })
        {
            _ = ObserveAsync(task, eventName);
        }
    }

    private async Task ObserveAsync(Task task, string eventName)
    {
        try
        {
            await task;
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(Logger, Id, eventName, ex);
            OnError(ex);
        }
    }

    private void RaiseReservedListeners(string eventName, string reason)
    {
        foreach (var binding in HandlersArray())
        {
            if (!string.Equals(binding.EventName, eventName, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                var method = binding.Handler.Method;
                var parameters = method.GetParameters();
                var args = parameters.Length switch
                {
                    0 => [],
                    1 when parameters[0].ParameterType == typeof(Socket) => [this],
                    1 => [reason],
                    _ => new object?[] { this, reason },
                };
                var result = binding.Handler.DynamicInvoke(args);
                if (result is Task { IsCompletedSuccessfully: false } task)
                {
                    _ = ObserveAsync(task, eventName);
                }
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(Logger, Id, eventName, Unwrap(ex));
            }
        }
    }

    private static Exception Unwrap(Exception ex) =>
        ex is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : ex;

    /// <summary>Sends the ACK for one client event, once.</summary>
    private sealed class Acknowledger(Socket socket, long id)
    {
        private int _sent;

        public void Send(params object?[] args)
        {
            if (Interlocked.Exchange(ref _sent, 1) == 1 || !socket.Connected)
            {
                return;
            }

            socket._client.Write(socket.Server.Encoder.EncodeAck(socket.Namespace.Name, id, args), false);
        }
    }

    /// <summary>See <see cref="_rare"/>.</summary>
    private sealed class RareListeners
    {
        public ImmutableArray<Action<string, SocketIOArguments>> Any { get; set; } = [];

        public ImmutableArray<Action<string, object?[]>> AnyOutgoing { get; set; } = [];

        public ImmutableArray<Func<SocketIOEvent, Func<Task>, Task>> Middlewares { get; set; } = [];

        // Field-like events: thread-safe add and remove.
        public event Action<Socket, string>? Disconnecting;

        public event Action<Socket, string>? Disconnected;

        public event Action<Socket, Exception>? Error;

        public Action<Socket, string>? DisconnectingHandlers => Disconnecting;

        public Action<Socket, string>? DisconnectedHandlers => Disconnected;

        public Action<Socket, Exception>? ErrorHandlers => Error;
    }
}
