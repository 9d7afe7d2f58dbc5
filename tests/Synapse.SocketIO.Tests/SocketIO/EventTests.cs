using System.Collections.Concurrent;
using System.Text.Json;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>Events and acknowledgements in both directions with socket.io-client, typed handler binding, handler failures.</summary>
public sealed class EventTests
{
    public sealed record Address(string City, string? Zip);

    public sealed record Order(string Id, int Quantity, decimal Price, List<string> Tags, Address Ship, DateTimeOffset At, bool Express);

    [Fact]
    public async Task Client_emit_with_ack_reaches_a_typed_handler_whose_ack_answers()
    {
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
            socket.On("sum", (int a, int b, AckCallback ack) => ack(a + b, $"{a}+{b}"))));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a");

        // emitWithAck resolves with the first argument of the ack ...
        var result = await node.EmitWithAckAsync("a", "sum", [2, 3]);
        Assert.Equal("ack", result.GetProperty("event").GetString());
        Assert.Equal(5, result.GetProperty("value").GetInt32());

        // ... an ack callback sees all of them; with a timeout too.
        Assert.Equal("""[40,"19+21"]""", (await node.EmitWithCallbackAsync("a", "sum", [19, 21])).GetRawText());
        Assert.Equal("""[1,"0+1"]""", (await node.EmitWithCallbackAsync("a", "sum", [0, 1], timeoutMs: 2000)).GetRawText());
    }

    [Fact]
    public async Task Only_the_first_ack_call_is_sent_and_acking_an_event_without_ack_is_a_no_op()
    {
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
        {
            socket.On("twice", (AckCallback ack) =>
            {
                ack("first");
                ack("second");
            });
            socket.On("no-ack", (string text, AckCallback ack) =>
            {
                ack("nobody listens");
                socket.Emit("got", text);
            });
        }));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a");

        Assert.Equal("""["first"]""", (await node.EmitWithCallbackAsync("a", "twice", [])).GetRawText());
        await node.EmitAsync("a", "no-ack", "hello");
        Assert.Equal("""["hello"]""", (await node.ReceiveAsync("a", "got")).GetRawText());
        await node.BarrierAsync();
        Assert.Single(node.Messages, m => m.GetProperty("event").GetString() == "ack");
        node.AssertNoErrors();
    }

    [Fact]
    public async Task Async_handler_can_ack_after_awaiting()
    {
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
            socket.On("slow", async (string text, AckCallback ack) =>
            {
                await Task.Delay(50);
                ack(text.ToUpperInvariant());
            })));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a");

        Assert.Equal("HELLO", (await node.EmitWithAckAsync("a", "slow", ["hello"])).GetProperty("value").GetString());
    }

    [Fact]
    public async Task Server_EmitWithAck_gets_the_client_answer_and_times_out_when_there_is_none()
    {
        var socketTask = new TaskCompletionSource<Socket>();
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket => socketTask.TrySetResult(socket)));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a", answers: new Dictionary<string, object>
        {
            ["question"] = new { reply = new object[] { 42, "forty-two", new { nested = true } } },
            ["echo"] = new { echo = true },
            ["silent"] = new { never = true },
        });
        var socket = await socketTask.Task.WithTimeout();

        var answer = await socket.Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("question", "life?").WithTimeout();
        Assert.Equal(3, answer.Count);
        Assert.Equal(42, answer.GetValue<int>(0));
        Assert.Equal("forty-two", answer.GetValue<string>(1));
        Assert.True(answer[2].GetProperty("nested").GetBoolean());
        Assert.Equal("""["life?"]""", (await node.ReceiveAsync("a", "question")).GetRawText());
        Assert.True((await node.WaitForAsync("a", "recv", m => m.GetProperty("name").GetString() == "question")).GetProperty("hasAck").GetBoolean());

        var echoed = await socket.EmitWithAckAsync("echo", 1, "two", new[] { 3 }).WithTimeout();
        Assert.Equal("""[1,"two",[3]]""", echoed.ToString());

        var started = System.Diagnostics.Stopwatch.StartNew();
        var timeout = await Assert.ThrowsAsync<SocketIOAckTimeoutException>(() => socket.Timeout(TimeSpan.FromMilliseconds(200)).EmitWithAckAsync("silent"));
        Assert.InRange(started.ElapsedMilliseconds, 150, 3000);
        Assert.Equal(1, timeout.Expected);
        Assert.Equal(0, timeout.Received);
        Assert.Empty(timeout.Responses);
        Assert.True(socket.Connected);

        // Without a timeout, the wait still ends when the socket goes away.
        var pending = socket.EmitWithAckAsync("silent");
        socket.Disconnect();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WithTimeout());
    }

    [Fact]
    public async Task Handler_parameters_bind_pocos_primitives_binary_and_injected_values()
    {
        var seen = new TaskCompletionSource<object?[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
        {
            socket.On("order", (Order order, long big, double ratio, string? missing, int? nothing, Socket self, SocketIOArguments raw, CancellationToken token, AckCallback ack) =>
            {
                seen.TrySetResult([order, big, ratio, missing, nothing, self, raw.Count, token.CanBeCanceled]);
                ack(order with { Quantity = order.Quantity * 2 });
            });
            socket.On("upload", (string name, byte[] data, ReadOnlyMemory<byte> more, AckCallback ack) => ack(name, data.Length, more.Length, data.Concat(more.ToArray()).Sum(b => b)));
            socket.On("plain", (object?[] values, AckCallback ack) => ack(values.Length, values[0] is Dictionary<string, object?>, values[1] is List<object?>, values[2] is long, values[3] is double, values[4] is byte[]));
        }));
        await using var node = server.StartDriver();
        var connect = await node.ConnectAsync("a");

        var order = new
        {
            id = "o-1",
            quantity = 3,
            price = 9.99,
            tags = new[] { "gift", "fragile" },
            ship = new { city = "Paris", zip = (string?)null },
            at = "2024-05-06T07:08:09.123+02:00",
            express = true,
        };
        var ack = await node.EmitWithCallbackAsync("a", "order", [order, 9007199254740991L, 0.25]);
        var values = await seen.Task.WithTimeout();
        var bound = Assert.IsType<Order>(values[0]);
        Assert.Equal("o-1", bound.Id);
        Assert.Equal(3, bound.Quantity);
        Assert.Equal(9.99m, bound.Price);
        Assert.Equal(["gift", "fragile"], bound.Tags);
        Assert.Equal(new Address("Paris", null), bound.Ship);
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, 123, TimeSpan.FromHours(2)), bound.At);
        Assert.True(bound.Express);
        Assert.Equal(9007199254740991L, values[1]);
        Assert.Equal(0.25, values[2]);
        Assert.Null(values[3]);
        Assert.Null(values[4]);
        Assert.Equal(connect.GetProperty("id").GetString(), Assert.IsType<Socket>(values[5]).Id);
        Assert.Equal(3, values[6]);
        Assert.Equal(true, values[7]);

        // The ack serialises the POCO back with the web defaults (camelCase).
        var back = ack[0];
        Assert.Equal(6, back.GetProperty("quantity").GetInt32());
        Assert.Equal("Paris", back.GetProperty("ship").GetProperty("city").GetString());
        Assert.Equal(9.99, back.GetProperty("price").GetDouble());

        Assert.Equal("""["file.bin",3,2,15]""", (await node.EmitWithCallbackAsync("a", "upload", ["file.bin", SioDriver.Bin(1, 2, 3), SioDriver.Bin(4, 5)])).GetRawText());
        Assert.Equal("[5,true,true,true,true,true]", (await node.EmitWithCallbackAsync("a", "plain", [new { a = 1 }, new[] { 1, 2 }, 7, 1.5, SioDriver.Bin(9)])).GetRawText());
    }

    [Fact]
    public async Task Handler_exceptions_are_isolated_and_raised_as_the_Error_event()
    {
        var errors = new ConcurrentQueue<Exception>();
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
        {
            socket.Error += (_, error) => errors.Enqueue(error);
            socket.On("throw", (string text) =>
            {
                throw new InvalidOperationException("sync " + text);
            });
            socket.On("throw-async", async (string text) =>
            {
                await Task.Delay(10);
                throw new InvalidOperationException("async " + text);
            });
            socket.On("typed", (int number, AckCallback ack) => ack(number + 1));
            socket.On("throw", (string text, AckCallback ack) => ack("second handler still runs: " + text));
        }));
        await using var node = server.StartDriver();
        var socket = await server.SocketAsync(await node.ConnectAsync("a"));

        Assert.Equal("""["second handler still runs: x"]""", (await node.EmitWithCallbackAsync("a", "throw", ["x"])).GetRawText());
        await node.EmitAsync("a", "throw-async", "y");
        await node.EmitAsync("a", "typed", "not a number");
        await Wait.UntilAsync(() => errors.Count == 3, because: "three handler failures raised as Error");

        Assert.Contains(errors, e => e is InvalidOperationException { Message: "sync x" });
        Assert.Contains(errors, e => e is InvalidOperationException { Message: "async y" });
        Assert.Contains(errors, e => e is JsonException);
        Assert.True(socket.Connected);
        Assert.Equal("[8]", (await node.EmitWithCallbackAsync("a", "typed", [7])).GetRawText());
        Assert.DoesNotContain(node.Messages, m => m.GetProperty("event").GetString() == "disconnect");
    }

    [Fact]
    public async Task Handler_cancellation_token_fires_on_disconnect()
    {
        var cancelled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
            socket.On("work", async (CancellationToken token) =>
            {
                started.TrySetResult();
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(30), token);
                }
                catch (OperationCanceledException)
                {
                    cancelled.TrySetResult("cancelled");
                }
            })));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a");

        await node.EmitAsync("a", "work");
        await started.Task.WithTimeout();
        await node.DisconnectAsync("a");
        Assert.Equal("cancelled", await cancelled.Task.WithTimeout());
    }

    [Fact]
    public async Task Events_the_client_buffered_before_connecting_reach_handlers_registered_on_connection()
    {
        var received = new ConcurrentQueue<string>();
        await using var server = await SioTestServer.StartAsync(io =>
        {
            // An async middleware makes the connection complete on another thread than the one reading packets.
            io.Use(async (_, next) =>
            {
                await Task.Delay(20);
                await next();
            });
            io.OnConnection(socket => socket.On("early", (string text, AckCallback ack) =>
            {
                received.Enqueue(text);
                ack("got " + text);
            }));
        });
        await using var node = server.StartDriver();

        // socket.io-client buffers these and sends them right after the CONNECT reply.
        await node.OpenAsync("a", opts: new { transports = new[] { "websocket" }, reconnection = false });
        await node.EmitAsync("a", "early", "1");
        await node.EmitAsync("a", "early", "2");
        Assert.Equal("""["got 3"]""", (await node.EmitWithCallbackAsync("a", "early", ["3"])).GetRawText());
        Assert.Equal(["1", "2", "3"], received.ToArray());
    }

    [Fact]
    public async Task Reserved_event_names_cannot_be_emitted_by_the_server()
    {
        var socketTask = new TaskCompletionSource<Socket>();
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket => socketTask.TrySetResult(socket)));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a");
        var socket = await socketTask.Task.WithTimeout();

        foreach (var name in new[] { "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener" })
        {
            Assert.Throws<ArgumentException>(() => socket.Emit(name));
            Assert.Throws<ArgumentException>(() => server.Io.Emit(name));
            Assert.Throws<ArgumentException>(() => server.Io.To("r").Emit(name));
        }

        // Server-side events have Node's namespace list instead (its own events).
        foreach (var name in new[] { "connect", "connection", "new_namespace" })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => server.Io.ServerSideEmitAsync(name));
            await Assert.ThrowsAsync<ArgumentException>(() => server.Io.ServerSideEmitWithAckAsync(TimeSpan.FromSeconds(1), name));
        }

        await server.Io.ServerSideEmitAsync("disconnect").WithTimeout();

        // On a single node a server-side emit reaches no other server and gathers no answers.
        await server.Io.ServerSideEmitAsync("sync", 1).WithTimeout();
        Assert.Empty(await server.Io.ServerSideEmitWithAckAsync(TimeSpan.FromMilliseconds(100), "sync").WithTimeout());

        socket.Emit("still-fine");
        await node.ReceiveAsync("a", "still-fine");
        Assert.True(socket.Connected);
    }

    [Fact]
    public async Task Events_from_one_client_are_handled_in_order()
    {
        var received = new ConcurrentQueue<int>();
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
            socket.On("n", (int n) => received.Enqueue(n))));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a");

        for (var i = 0; i < 100; i++)
        {
            await node.EmitAsync("a", "n", i);
        }

        await Wait.UntilAsync(() => received.Count == 100);
        Assert.Equal(Enumerable.Range(0, 100), received);
    }
}
