using System.Collections.Concurrent;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>Catch-all listeners, outgoing listeners, packet middlewares, Once and Off, driven by socket.io-client.</summary>
public sealed class ListenerTests
{
    [Fact]
    public async Task OnAny_PrependAny_and_OffAny_see_every_incoming_event_before_its_handlers()
    {
        var log = new ConcurrentQueue<string>();
        Action<string, SocketIOArguments> first = (name, args) => log.Enqueue($"any1 {name} {args}");
        Action<string, SocketIOArguments> second = (name, args) => log.Enqueue($"any2 {name}");
        Action<string, SocketIOArguments> prepended = (name, _) => log.Enqueue($"prepended {name}");
        var socketTask = new TaskCompletionSource<Socket>();
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
        {
            socket.OnAny(first).OnAny(second).PrependAny(prepended);
            socket.On("hello", (string who, AckCallback ack) =>
            {
                log.Enqueue("handler " + who);
                ack();
            });
            socketTask.TrySetResult(socket);
        }));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a");
        var socket = await socketTask.Task.WithTimeout();
        Assert.Equal([prepended, first, second], socket.ListenersAny);

        await node.EmitWithCallbackAsync("a", "hello", ["bob"]);
        await node.EmitAsync("a", "unhandled", 1, new { x = true });
        await Wait.UntilAsync(() => log.Count == 7);
        Assert.Equal(
            ["prepended hello", "any1 hello [\"bob\"]", "any2 hello", "handler bob", "prepended unhandled", "any1 unhandled [1,{\"x\":true}]", "any2 unhandled"],
            log.ToArray());

        log.Clear();
        socket.OffAny(first);
        await node.EmitWithCallbackAsync("a", "hello", ["carol"]);
        Assert.Equal(["prepended hello", "any2 hello", "handler carol"], log.ToArray());

        log.Clear();
        socket.OffAny();
        Assert.Empty(socket.ListenersAny);
        await node.EmitWithCallbackAsync("a", "hello", ["dave"]);
        Assert.Equal(["handler dave"], log.ToArray());
    }

    [Fact]
    public async Task OnAnyOutgoing_sees_emits_and_the_broadcasts_the_socket_receives()
    {
        var outgoing = new ConcurrentQueue<string>();
        var socketTask = new TaskCompletionSource<Socket>();
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(async socket =>
        {
            socket.OnAnyOutgoing((name, args) => outgoing.Enqueue($"{name}:{args.Length}"));
            socket.PrependAnyOutgoing((name, _) => outgoing.Enqueue("first " + name));
            await socket.Join("room");
            socketTask.TrySetResult(socket);
        }));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a");
        var socket = await socketTask.Task.WithTimeout();

        socket.Emit("direct", 1, 2);
        server.Io.To("room").Emit("to-room", "x");
        server.Io.Emit("to-all");
        socket.Broadcast.Emit("not-for-me");
        await node.ReceiveAsync("a", "to-all");
        Assert.Equal(["first direct", "direct:2", "first to-room", "to-room:1", "first to-all", "to-all:0"], outgoing.ToArray());
        Assert.Equal(2, socket.ListenersAnyOutgoing.Count);

        socket.OffAnyOutgoing();
        Assert.Empty(socket.ListenersAnyOutgoing);
        socket.Emit("after-off");
        await node.ReceiveAsync("a", "after-off");
        Assert.Equal(6, outgoing.Count);
    }

    [Fact]
    public async Task Packet_middleware_can_inspect_refuse_or_pass_events()
    {
        var errors = new ConcurrentQueue<Exception>();
        var order = new ConcurrentQueue<string>();
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
        {
            socket.Error += (_, error) => errors.Enqueue(error);
            socket.Use(async (ev, next) =>
            {
                order.Enqueue("mw1 " + ev.Name);
                if (ev.Name == "forbidden")
                {
                    throw new UnauthorizedAccessException("forbidden event: " + ev.Arguments.GetValue<string>(0));
                }

                await Task.Yield();
                await next();
            });
            socket.Use((ev, next) =>
            {
                order.Enqueue("mw2 " + ev.Name);
                Assert.Same(socket, ev.Socket);
                return next();
            });
            socket.On("allowed", (string text, AckCallback ack) => ack("ok " + text));
            socket.On("forbidden", (string text, AckCallback ack) => ack("must not run"));
        }));
        await using var node = server.StartDriver();
        var socket = await server.SocketAsync(await node.ConnectAsync("a"));

        Assert.Equal("""["ok 1"]""", (await node.EmitWithCallbackAsync("a", "allowed", ["1"])).GetRawText());
        var refused = await node.EmitWithAckAsync("a", "forbidden", ["secret"], timeoutMs: 300);
        Assert.Equal("ackError", refused.GetProperty("event").GetString());
        Assert.Equal("operation has timed out", refused.GetProperty("message").GetString());

        var error = Assert.Single(errors);
        Assert.IsType<UnauthorizedAccessException>(error);
        Assert.Equal("forbidden event: secret", error.Message);
        Assert.True(socket.Connected);
        Assert.Equal("""["ok 2"]""", (await node.EmitWithCallbackAsync("a", "allowed", ["2"])).GetRawText());
        Assert.Equal(["mw1 allowed", "mw2 allowed", "mw1 forbidden", "mw1 allowed", "mw2 allowed"], order.ToArray());
    }

    [Fact]
    public async Task Once_runs_a_single_time_and_Off_removes_handlers()
    {
        var calls = new ConcurrentQueue<string>();
        Action<int> tracked = n => calls.Enqueue("tracked " + n);
        var socketTask = new TaskCompletionSource<Socket>();
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
        {
            socket.Once("e", (int n) => calls.Enqueue("once " + n));
            socket.On("e", tracked);
            socket.On("e", (int n) => calls.Enqueue("other " + n));
            socket.On("done", (AckCallback ack) => ack());
            socketTask.TrySetResult(socket);
        }));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a");
        var socket = await socketTask.Task.WithTimeout();

        await node.EmitAsync("a", "e", 1);
        await node.EmitAsync("a", "e", 2);
        await node.EmitWithCallbackAsync("a", "done", []);
        Assert.Equal(["once 1", "tracked 1", "other 1", "tracked 2", "other 2"], calls.ToArray());

        calls.Clear();
        socket.Off("e", tracked);
        await node.EmitAsync("a", "e", 3);
        await node.EmitWithCallbackAsync("a", "done", []);
        Assert.Equal(["other 3"], calls.ToArray());
        Assert.Contains("e", socket.EventNames);

        calls.Clear();
        socket.Off("e");
        await node.EmitAsync("a", "e", 4);
        await node.EmitWithCallbackAsync("a", "done", []);
        Assert.Empty(calls);
        Assert.DoesNotContain("e", socket.EventNames);

        // RemoveAllListeners(name) clears one event, RemoveAllListeners() every event.
        socket.On("e", tracked).On("f", (int n) => calls.Enqueue("f " + n));
        socket.RemoveAllListeners("e");
        Assert.Equal(["done", "f"], socket.EventNames.Order(StringComparer.Ordinal));
        socket.RemoveAllListeners();
        Assert.Empty(socket.EventNames);
        await node.EmitAsync("a", "e", 5);
        await node.EmitAsync("a", "f", 6);
        // Nothing answers "done" any more; the events before it were handled (in order) by nobody.
        Assert.Equal("ackError", (await node.EmitWithAckAsync("a", "done", [], timeoutMs: 300)).GetProperty("event").GetString());
        Assert.Empty(calls);
        Assert.True(socket.Connected);
    }
}
