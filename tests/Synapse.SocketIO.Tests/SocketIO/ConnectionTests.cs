using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>Connecting with socket.io-client: the handshake the server sees, the auth payload, connection middlewares.</summary>
public sealed class ConnectionTests
{
    [Fact]
    public async Task Auth_payload_and_handshake_details_reach_the_server_socket()
    {
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket => socket.Emit("auth", socket.Handshake.Auth)));
        await using var node = server.StartDriver();

        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var connect = await node.ConnectAsync(
            "a",
            auth: new { token = "s3cret", user = new { id = 7, roles = new[] { "admin", "dev" } } },
            opts: new { reconnection = false, query = new { room = "lobby", v = "2" }, extraHeaders = new Dictionary<string, string> { ["x-test"] = "yes" } });
        var socket = await server.SocketAsync(connect);

        var auth = socket.Handshake.Auth;
        Assert.Equal("s3cret", auth.GetProperty("token").GetString());
        Assert.Equal(7, auth.GetProperty("user").GetProperty("id").GetInt32());
        Assert.Equal("""{"token":"s3cret","user":{"id":7,"roles":["admin","dev"]}}""", (await node.ReceiveAsync("a", "auth"))[0].GetRawText());

        var handshake = socket.Handshake;
        Assert.Equal("lobby", handshake.Query["room"].ToString());
        Assert.Equal("2", handshake.Query["v"].ToString());
        Assert.Equal("4", handshake.Query["EIO"].ToString());
        Assert.Equal("yes", handshake.Headers["x-test"].ToString());
        Assert.True(IPAddress.IsLoopback(handshake.Address!), $"address {handshake.Address}");
        Assert.False(handshake.Secure);
        Assert.False(handshake.XDomain);
        Assert.StartsWith("/socket.io/?", handshake.Url);
        Assert.Contains("room=lobby", handshake.Url);
        Assert.InRange(handshake.Time, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(handshake.Time.ToUnixTimeMilliseconds(), handshake.Issued);
        Assert.Equal("s3cret", handshake.GetAuth<AuthPayload>()!.Token);
    }

    [Fact]
    public async Task Handshake_of_a_cross_origin_websocket_client_is_xdomain()
    {
        await using var server = await SioTestServer.StartAsync();
        await using var node = server.StartDriver();

        var socket = await server.SocketAsync(await node.ConnectAsync(
            "a",
            opts: new { transports = new[] { "websocket" }, reconnection = false, extraHeaders = new Dictionary<string, string> { ["Origin"] = "http://example.com" } }));
        Assert.True(socket.Handshake.XDomain);
        Assert.Equal("http://example.com", socket.Handshake.Headers.Origin.ToString());
        Assert.Contains("transport=websocket", socket.Handshake.Url);
    }

    [Fact]
    public async Task Without_auth_the_handshake_auth_is_an_empty_object()
    {
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket => socket.Emit("auth", socket.Handshake.Auth)));
        await using var node = server.StartDriver();

        var socket = await server.SocketAsync(await node.ConnectAsync("a"));
        Assert.Equal(JsonValueKind.Object, socket.Handshake.Auth.ValueKind);
        Assert.Equal("{}", socket.Handshake.Auth.GetRawText());
        Assert.Equal("[{}]", (await node.ReceiveAsync("a", "auth")).GetRawText());
    }

    [Fact]
    public async Task Middleware_refusal_reaches_the_client_as_connect_error_with_message_and_data()
    {
        var connected = 0;
        await using var server = await SioTestServer.StartAsync(io =>
        {
            io.Use(async (socket, next) =>
            {
                var token = socket.Handshake.Auth.TryGetProperty("token", out var t) ? t.GetString() : null;
                if (token != "good")
                {
                    throw new SocketIOConnectException("not authorized", new { reason = "bad token", code = 401, retry = false });
                }

                await next();
            });
            io.OnConnection(_ => Interlocked.Increment(ref connected));
        });
        await using var node = server.StartDriver();

        var error = await node.ConnectErrorAsync("bad", auth: new { token = "wrong" });
        Assert.Equal("not authorized", error.GetProperty("message").GetString());
        Assert.Equal("""{"reason":"bad token","code":401,"retry":false}""", error.GetProperty("data").GetRawText());

        // A refused socket is not reconnected by the client, and never counted as connected.
        var state = await node.StateAsync("bad");
        Assert.False(state.GetProperty("connected").GetBoolean());
        Assert.False(state.GetProperty("active").GetBoolean());
        Assert.Equal(0, Volatile.Read(ref connected));
        Assert.Empty(server.Io.Sockets.Sockets);

        // The same server accepts a good token.
        var ok = await node.ConnectAsync("good", auth: new { token = "good" });
        Assert.NotNull((await server.SocketAsync(ok)).Id);
        Assert.Equal(1, Volatile.Read(ref connected));
        Assert.Single(server.Io.Sockets.Sockets);
    }

    [Fact]
    public async Task Middleware_throwing_a_plain_exception_gives_its_message_and_no_data()
    {
        await using var server = await SioTestServer.StartAsync(io => io.Use((_, _) => throw new InvalidOperationException("database down")));
        await using var node = server.StartDriver();

        var error = await node.ConnectErrorAsync("a");
        Assert.Equal("database down", error.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("data").ValueKind);
        Assert.Empty(server.Errors);
    }

    [Fact]
    public async Task Middlewares_run_in_order_and_async_middlewares_are_awaited()
    {
        var order = new ConcurrentQueue<string>();
        await using var server = await SioTestServer.StartAsync(io =>
        {
            io.Use(async (socket, next) =>
            {
                order.Enqueue("1:" + socket.Handshake.Auth.GetProperty("name").GetString());
                await Task.Delay(30);
                socket.Data["user"] = "alice";
                await next();
                order.Enqueue("1:after");
            });
            io.Use(async (socket, next) =>
            {
                order.Enqueue("2:" + socket.Data["user"]);
                await Task.Yield();
                socket.Data["role"] = "admin";
                await next();
            });
            io.Use((socket, next) =>
            {
                order.Enqueue("3");
                return next();
            });
            io.OnConnection(socket =>
            {
                order.Enqueue("connection");
                socket.Emit("data", socket.Data["user"], socket.Data["role"]);
            });
        });
        await using var node = server.StartDriver();

        await node.ConnectAsync("a", auth: new { name = "x" });
        Assert.Equal("""["alice","admin"]""", (await node.ReceiveAsync("a", "data")).GetRawText());
        // The socket connects once the whole chain has completed (as in Node, where the code after
        // next() runs before the connection, which happens on the next tick).
        Assert.Equal(["1:x", "2:alice", "3", "1:after", "connection"], order.ToArray());
    }

    [Fact]
    public async Task Async_middleware_failing_after_an_await_refuses_the_connection()
    {
        await using var server = await SioTestServer.StartAsync(io =>
        {
            io.Use(async (_, next) => await next());
            io.Use(async (socket, next) =>
            {
                await Task.Delay(20);
                if (!socket.Handshake.Auth.TryGetProperty("token", out _))
                {
                    throw new SocketIOConnectException("token required", new[] { "token" });
                }

                await next();
            });
        });
        await using var node = server.StartDriver();

        var error = await node.ConnectErrorAsync("a");
        Assert.Equal("token required", error.GetProperty("message").GetString());
        Assert.Equal("""["token"]""", error.GetProperty("data").GetRawText());
        await node.ConnectAsync("b", auth: new { token = 1 });
    }

    [Fact]
    public async Task Rooms_joined_in_a_middleware_are_left_when_the_connection_is_refused()
    {
        var deleted = new ConcurrentQueue<string>();
        await using var server = await SioTestServer.StartAsync(io =>
        {
            io.Sockets.Adapter.RoomDeleted += room => deleted.Enqueue(room);
            io.Use(async (socket, next) =>
            {
                await socket.Join("pending", "lobby");
                if (socket.Handshake.Auth.TryGetProperty("refuse", out _))
                {
                    throw new SocketIOConnectException("refused");
                }

                await next();
            });
        });
        await using var node = server.StartDriver();

        await node.ConnectErrorAsync("refused", auth: new { refuse = true });
        var adapter = Assert.IsAssignableFrom<Adapters.InMemoryAdapter>(server.Io.Sockets.Adapter);
        Assert.Empty(adapter.GetRooms());
        Assert.Equal(["lobby", "pending"], deleted.Order());
        Assert.Empty(await server.Io.In("lobby").FetchSocketsAsync());

        // An accepted socket keeps what it joined in the middleware.
        var socket = await server.SocketAsync(await node.ConnectAsync("ok"));
        Assert.True(socket.Rooms.SetEquals([socket.Id, "pending", "lobby"]));
        Assert.Single(await server.Io.In("lobby").FetchSocketsAsync());
    }

    [Fact]
    public async Task A_namespace_middleware_only_guards_its_namespace()
    {
        await using var server = await SioTestServer.StartAsync(io =>
        {
            io.Of("/admin").Use((_, _) => throw new SocketIOConnectException("admins only"));
            io.Of("/public");
        });
        await using var node = server.StartDriver();

        await node.ConnectAsync("main");
        await node.ConnectAsync("public", "/public");
        Assert.Equal("admins only", (await node.ConnectErrorAsync("admin", "/admin")).GetProperty("message").GetString());
    }

    private sealed record AuthPayload(string Token);
}
