using System.Text.Json.Serialization;
using SocketIOClient.Transport;
using Synapse.SocketIO.Tests.Infrastructure;
using DotNetClient = SocketIOClient.SocketIO;
using DotNetClientOptions = SocketIOClient.SocketIOOptions;
using DotNetResponse = SocketIOClient.SocketIOResponse;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>Interop with the .NET client <c>SocketIOClient</c> 3.0.6: connect with auth, acks both ways, binary both ways, namespaces, disconnects.</summary>
public sealed class DotNetClientTests
{
    public sealed record Attachment(string Name, byte[] Data);

    /// <summary>The same shape as the client reads it (SocketIOClient's serializer is case-sensitive).</summary>
    public sealed record ClientAttachment([property: JsonPropertyName("name")] string Name, [property: JsonPropertyName("data")] byte[] Data);

    private static async Task<(SioTestServer Server, TaskCompletionSource<Socket> Connected)> StartAsync()
    {
        var connected = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await SioTestServer.StartAsync(io =>
        {
            io.Use(async (socket, next) =>
            {
                if (socket.Handshake.Auth.TryGetProperty("token", out var token) && token.GetString() == "nope")
                {
                    throw new SocketIOConnectException("refused", new { why = "token" });
                }

                await next();
            });
            io.OnConnection(socket =>
            {
                connected.TrySetResult(socket);
                socket.Emit("welcome", socket.Handshake.Auth);
                socket.On("sum", (int a, int b, AckCallback ack) => ack(a + b));
                socket.On("reverse", (byte[] data, string label, AckCallback ack) => ack(data.Reverse().ToArray(), label, new Attachment("copy", data)));
            });
            io.Of("/admin").OnConnection(socket => socket.On("where", (AckCallback ack) => ack(socket.Namespace.Name)));
        });
        return (server, connected);
    }

    private static DotNetClient CreateClient(SioTestServer server, string transport, object? auth = null, string nsp = "") =>
        new(new Uri(server.BaseUri, nsp), new DotNetClientOptions
        {
            Transport = transport == "websocket" ? TransportProtocol.WebSocket : TransportProtocol.Polling,
            AutoUpgrade = false,
            Reconnection = false,
            Auth = auth,
            ConnectionTimeout = TimeSpan.FromSeconds(5),
        });

    /// <summary>Connects and waits for the Socket.IO CONNECT to be answered (ConnectAsync may return before).</summary>
    private static async Task ConnectAsync(DotNetClient client)
    {
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.OnConnected += (_, _) => connected.TrySetResult();
        await client.ConnectAsync().WithTimeout();
        await connected.Task.WithTimeout();
        Assert.True(client.Connected);
    }

    /// <summary>
    /// An async client handler that cannot crash the test process: SocketIOClient takes
    /// <c>Action</c>s, so an async lambda is <c>async void</c>, and an ack still being posted when
    /// the test disposes the client would fail with an unobserved cancellation.
    /// </summary>
    private static Action<DotNetResponse> Safe(Func<DotNetResponse, Task> handler) => async response =>
    {
        try
        {
            await handler(response);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or ObjectDisposedException or System.Net.WebSockets.WebSocketException)
        {
        }
    };

    private static async Task<T> Expect<T>(TaskCompletionSource<T> source) => await source.Task.WithTimeout();

    [Theory]
    [InlineData("websocket")]
    [InlineData("polling")]
    public async Task Connects_with_auth_and_exchanges_acks_in_both_directions(string transport)
    {
        var (server, connected) = await StartAsync();
        await using var _ = server;
        using var client = CreateClient(server, transport, new { token = "t-1", user = "dotnet" });
        var welcome = new TaskCompletionSource<DotNetResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.On("welcome", r => welcome.TrySetResult(r));
        client.On("question", Safe(r => r.CallbackAsync("answer to " + r.GetValue<string>(0), 42)));

        await ConnectAsync(client);
        var socket = await Expect(connected);
        Assert.Equal(client.Id, socket.Id);
        Assert.Equal(transport, socket.Conn.Transport);
        Assert.Equal("t-1", socket.Handshake.Auth.GetProperty("token").GetString());
        Assert.Equal("dotnet", (await Expect(welcome)).GetValue(0).GetProperty("user").GetString());

        // Client -> server with ack.
        var sum = new TaskCompletionSource<DotNetResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.EmitAsync("sum", r => sum.TrySetResult(r), 20, 22);
        Assert.Equal(42, (await Expect(sum)).GetValue<int>(0));

        // Server -> client with ack.
        var answer = await socket.Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("question", "life").WithTimeout();
        Assert.Equal("answer to life", answer.GetValue<string>(0));
        Assert.Equal(42, answer.GetValue<int>(1));

        await client.DisconnectAsync();
        Assert.Equal(DisconnectReason.ClientNamespaceDisconnect, await server.DisconnectReasonAsync(socket.Id));
    }

    [Theory]
    [InlineData("websocket")]
    [InlineData("polling")]
    public async Task Binary_travels_both_ways(string transport)
    {
        var (server, connected) = await StartAsync();
        await using var _ = server;
        using var client = CreateClient(server, transport);
        var file = new TaskCompletionSource<DotNetResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var signed = new TaskCompletionSource<DotNetResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.On("file", r => file.TrySetResult(r));
        client.On("sign", Safe(r => r.CallbackAsync(new byte[] { 0xCA, 0xFE }, r.GetValue<byte[]>(0).Length)));
        await ConnectAsync(client);
        var socket = await Expect(connected);

        // Client -> server binary, answered with binary in the ack.
        var reversed = new TaskCompletionSource<DotNetResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.EmitAsync("reverse", r => reversed.TrySetResult(r), new byte[] { 1, 2, 3, 4 }, "label");
        var ack = await Expect(reversed);
        Assert.Equal(new byte[] { 4, 3, 2, 1 }, ack.GetValue<byte[]>(0));
        Assert.Equal("label", ack.GetValue<string>(1));
        var copy = ack.GetValue<ClientAttachment>(2);
        Assert.Equal("copy", copy.Name);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, copy.Data);

        // Server -> client binary, top level and nested.
        socket.Emit("file", new byte[] { 9, 8, 7 }, new Attachment("nested", [6, 5]));
        var received = await Expect(file);
        Assert.Equal(new byte[] { 9, 8, 7 }, received.GetValue<byte[]>(0));
        var nested = received.GetValue<ClientAttachment>(1);
        Assert.Equal("nested", nested.Name);
        Assert.Equal(new byte[] { 6, 5 }, nested.Data);

        // Server -> client with ack, binary both ways.
        var answer = await socket.Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("sign", new byte[] { 1, 1, 1 }).WithTimeout();
        Assert.Equal(new byte[] { 0xCA, 0xFE }, answer.GetValue<byte[]>(0));
        Assert.Equal(3, answer.GetValue<int>(1));
    }

    [Fact]
    public async Task Custom_namespace_refusal_and_server_disconnect()
    {
        var (server, connected) = await StartAsync();
        await using var _ = server;

        using var admin = CreateClient(server, "websocket", nsp: "/admin");
        await ConnectAsync(admin);
        var where = new TaskCompletionSource<DotNetResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        await admin.EmitAsync("where", r => where.TrySetResult(r));
        Assert.Equal("/admin", (await Expect(where)).GetValue<string>(0));
        Assert.Equal("/admin", server.Sockets[admin.Id].Namespace.Name);

        using var refused = CreateClient(server, "websocket", new { token = "nope" });
        var error = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        refused.OnError += (_, message) => error.TrySetResult(message);
        var connecting = refused.ConnectAsync();
        Assert.Contains("refused", await Expect(error));
        Assert.False(refused.Connected);

        using var client = CreateClient(server, "websocket");
        var disconnected = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.OnDisconnected += (_, reason) => disconnected.TrySetResult(reason);
        await ConnectAsync(client);
        (await Expect(connected)).Disconnect();
        Assert.Equal("io server disconnect", await Expect(disconnected));
    }
}
