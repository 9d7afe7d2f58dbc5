using System.Text.Json;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>Binary arguments in both directions with socket.io-client: top level, nested in objects and arrays, several attachments, order, acks.</summary>
public sealed class BinaryTests
{
    public sealed record FilePart(string Name, byte[] Data);

    public sealed record Upload(string Title, FilePart Cover, List<FilePart> Parts, Dictionary<string, byte[]> Extra);

    private static readonly byte[] Zeroes = new byte[1000];

    [Theory]
    [InlineData("polling")]
    [InlineData("websocket")]
    public async Task Client_binary_nested_anywhere_round_trips_through_the_server_unchanged(string transport)
    {
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
            socket.On("echo", (SocketIOArguments args, AckCallback ack) =>
            {
                socket.Emit("echoed", args.ToObjects());
                ack(args.ToObjects());
            })));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a", opts: new { transports = new[] { transport }, reconnection = false });

        object?[] payload =
        [
            SioDriver.Bin(1, 2, 3),
            new { file = new { name = "a.png", data = SioDriver.Bin(137, 80, 78, 71) }, list = new object[] { SioDriver.Bin(4), "text", SioDriver.Bin(), new[] { SioDriver.Bin(5, 6) } } },
            "plain",
            SioDriver.Bin(Zeroes),
            SioDriver.Bin(255, 254),
        ];
        var expected = JsonSerializer.Serialize(payload, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

        var ack = await node.EmitWithCallbackAsync("a", "echo", payload);
        Assert.Equal(expected, ack.GetRawText());
        Assert.Equal(expected, (await node.ReceiveAsync("a", "echoed")).GetRawText());
    }

    [Fact]
    public async Task Client_binary_binds_to_byte_arrays_inside_pocos_collections_and_dictionaries()
    {
        var received = new TaskCompletionSource<Upload>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
            socket.On("upload", (Upload upload, AckCallback ack) =>
            {
                received.TrySetResult(upload);
                ack(upload.Parts.Count);
            })));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a");

        var upload = new
        {
            title = "holiday",
            cover = new { name = "cover.jpg", data = SioDriver.Bin(0xFF, 0xD8) },
            parts = new[]
            {
                new { name = "p1", data = SioDriver.Bin(1) },
                new { name = "p2", data = SioDriver.Bin(2, 2) },
                new { name = "p3", data = SioDriver.Bin(3, 3, 3) },
            },
            extra = new Dictionary<string, object> { ["thumb"] = SioDriver.Bin(9, 9) },
        };
        Assert.Equal("[3]", (await node.EmitWithCallbackAsync("a", "upload", [upload])).GetRawText());

        var bound = await received.Task.WithTimeout();
        Assert.Equal("holiday", bound.Title);
        Assert.Equal(new byte[] { 0xFF, 0xD8 }, bound.Cover.Data);
        Assert.Equal(["p1", "p2", "p3"], bound.Parts.Select(p => p.Name));
        Assert.Equal(new byte[] { 1 }, bound.Parts[0].Data);
        Assert.Equal(new byte[] { 2, 2 }, bound.Parts[1].Data);
        Assert.Equal(new byte[] { 3, 3, 3 }, bound.Parts[2].Data);
        Assert.Equal(new byte[] { 9, 9 }, bound.Extra["thumb"]);
    }

    [Fact]
    public async Task Server_binary_reaches_the_client_as_buffers_at_the_same_places()
    {
        var socketTask = new TaskCompletionSource<Socket>();
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket => socketTask.TrySetResult(socket)));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a");
        var socket = await socketTask.Task.WithTimeout();

        socket.Emit(
            "files",
            new byte[] { 1, 2, 3 },
            new { nested = new { data = new byte[] { 4, 5 } }, list = new object[] { new byte[] { 6 }, "x", new ReadOnlyMemory<byte>([7, 8]) } },
            new ArraySegment<byte>([0, 9, 10, 11], 1, 3),
            Array.Empty<byte>(),
            new FilePart("last", [12]));
        var args = await node.ReceiveAsync("a", "files");

        Assert.Equal(5, args.GetArrayLength());
        Assert.Equal(new byte[] { 1, 2, 3 }, SioDriver.Bytes(args[0]));
        Assert.Equal(new byte[] { 4, 5 }, SioDriver.Bytes(args[1].GetProperty("nested").GetProperty("data")));
        Assert.Equal(new byte[] { 6 }, SioDriver.Bytes(args[1].GetProperty("list")[0]));
        Assert.Equal("x", args[1].GetProperty("list")[1].GetString());
        Assert.Equal(new byte[] { 7, 8 }, SioDriver.Bytes(args[1].GetProperty("list")[2]));
        Assert.Equal(new byte[] { 9, 10, 11 }, SioDriver.Bytes(args[2]));
        Assert.Empty(SioDriver.Bytes(args[3]));
        Assert.Equal("last", args[4].GetProperty("name").GetString());
        Assert.Equal(new byte[] { 12 }, SioDriver.Bytes(args[4].GetProperty("data")));

        // A broadcast with binary reaches every client identically.
        await node.ConnectAsync("b");
        server.Io.Emit("shared", new { blob = new byte[] { 42, 43 } }, new byte[] { 44 });
        foreach (var client in new[] { "a", "b" })
        {
            var shared = await node.ReceiveAsync(client, "shared");
            Assert.Equal(new byte[] { 42, 43 }, SioDriver.Bytes(shared[0].GetProperty("blob")));
            Assert.Equal(new byte[] { 44 }, SioDriver.Bytes(shared[1]));
        }
    }

    [Fact]
    public async Task One_binary_broadcast_reaches_polling_websocket_and_upgraded_clients_alike()
    {
        await using var server = await SioTestServer.StartAsync();
        await using var node = server.StartDriver();
        await node.ConnectAsync("polling", opts: new { transports = new[] { "polling" }, reconnection = false });
        await node.ConnectAsync("websocket", opts: new { transports = new[] { "websocket" }, reconnection = false });
        await node.ConnectAsync("default");

        var blob = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        server.Io.Emit("mixed", blob, new { more = new[] { new byte[] { 1 }, new byte[] { 2 } } }, "text");
        foreach (var client in new[] { "polling", "websocket", "default" })
        {
            var args = await node.ReceiveAsync(client, "mixed");
            Assert.Equal(blob, SioDriver.Bytes(args[0]));
            Assert.Equal(new byte[] { 1 }, SioDriver.Bytes(args[1].GetProperty("more")[0]));
            Assert.Equal(new byte[] { 2 }, SioDriver.Bytes(args[1].GetProperty("more")[1]));
            Assert.Equal("text", args[2].GetString());
        }
    }

    [Fact]
    public async Task Binary_acks_work_in_both_directions()
    {
        var socketTask = new TaskCompletionSource<Socket>();
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
        {
            socketTask.TrySetResult(socket);
            socket.On("reverse", (byte[] data, AckCallback ack) => ack(data.Reverse().ToArray(), new { length = data.Length, copy = data }));
        }));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a", answers: new Dictionary<string, object>
        {
            ["sign"] = new { reply = new object[] { SioDriver.Bin(0xDE, 0xAD), new { parts = new[] { SioDriver.Bin(1), SioDriver.Bin(2) } } } },
        });
        var socket = await socketTask.Task.WithTimeout();

        var ack = await node.EmitWithCallbackAsync("a", "reverse", [SioDriver.Bin(1, 2, 3)]);
        Assert.Equal(new byte[] { 3, 2, 1 }, SioDriver.Bytes(ack[0]));
        Assert.Equal(3, ack[1].GetProperty("length").GetInt32());
        Assert.Equal(new byte[] { 1, 2, 3 }, SioDriver.Bytes(ack[1].GetProperty("copy")));

        var answer = await socket.Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("sign", new byte[] { 7 }).WithTimeout();
        Assert.Equal(new byte[] { 0xDE, 0xAD }, answer.GetValue<byte[]>(0));
        Assert.Equal(new byte[] { 0xDE, 0xAD }, answer.GetValue<ReadOnlyMemory<byte>>(0).ToArray());
        Assert.Equal(3, answer.Attachments.Count);
        var parts = answer.ToObjects()[1] as Dictionary<string, object?>;
        Assert.Equal(new byte[] { 1 }, (byte[])((List<object?>)parts!["parts"]!)[0]!);
        Assert.Equal(new byte[] { 2 }, (byte[])((List<object?>)parts["parts"]!)[1]!);
        Assert.Equal(new byte[] { 7 }, SioDriver.Bytes((await node.ReceiveAsync("a", "sign"))[0]));
    }
}
