using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>Namespaces with socket.io-client: custom, unknown, dynamic (regex and predicate), parent broadcasts, cleanup, multiplexing.</summary>
public sealed class NamespaceTests
{
    [Fact]
    public async Task Custom_namespace_has_its_own_sockets_and_handlers()
    {
        await using var server = await SioTestServer.StartAsync(io =>
        {
            io.OnConnection(socket => socket.On("where", (AckCallback ack) => ack("main")));
            io.Of("/admin").OnConnection(socket => socket.On("where", (AckCallback ack) => ack("admin", socket.Namespace.Name)));
        });
        await using var node = server.StartDriver();

        var main = await server.SocketAsync(await node.ConnectAsync("main"));
        var admin = await server.SocketAsync(await node.ConnectAsync("admin", "/admin"));

        Assert.Same(server.Io.Of("/admin"), server.Io.Of("admin"));
        Assert.Same(server.Io.Sockets, server.Io.Of("/"));
        Assert.Equal("/", main.Namespace.Name);
        Assert.Equal("/admin", admin.Namespace.Name);
        Assert.Equal("""["main"]""", (await node.EmitWithCallbackAsync("main", "where", [])).GetRawText());
        Assert.Equal("""["admin","/admin"]""", (await node.EmitWithCallbackAsync("admin", "where", [])).GetRawText());
        Assert.Equal([main.Id], server.Io.Sockets.Sockets.Keys);
        Assert.Equal([admin.Id], server.Io.Of("/admin").Sockets.Keys);

        // A broadcast on one namespace does not leak into the other.
        server.Io.Of("/admin").Emit("news", "for admins");
        server.Io.Emit("news", "for everyone on /");
        Assert.Equal("""["for admins"]""", (await node.ReceiveAsync("admin", "news")).GetRawText());
        Assert.Equal("""["for everyone on /"]""", (await node.ReceiveAsync("main", "news")).GetRawText());
        await node.BarrierAsync();
        Assert.Single(node.Received("admin", "news"));
        Assert.Single(node.Received("main", "news"));
    }

    [Fact]
    public async Task Unknown_namespace_is_refused_with_Invalid_namespace()
    {
        await using var server = await SioTestServer.StartAsync();
        await using var node = server.StartDriver();

        var error = await node.ConnectErrorAsync("a", "/nope");
        Assert.Equal("Invalid namespace", error.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("data").ValueKind);
        Assert.False(server.Io.Namespaces.ContainsKey("/nope"));
    }

    [Fact]
    public async Task Regex_namespace_creates_children_that_inherit_middlewares_and_handlers()
    {
        ParentNamespace parent = null!;
        var created = new ConcurrentQueue<string>();
        await using var server = await SioTestServer.StartAsync(io =>
        {
            io.NamespaceCreated += nsp => created.Enqueue(nsp.Name);
            parent = io.Of(new Regex(@"^/room-\d+$"));
            parent.Use(async (socket, next) =>
            {
                socket.Data["checked"] = true;
                await next();
            });
            parent.OnConnection(socket => socket.On("where", (AckCallback ack) => ack(socket.Namespace.Name, socket.Data["checked"])));
        });
        await using var node = server.StartDriver();

        var one = await server.SocketAsync(await node.ConnectAsync("one", "/room-1"));
        await node.ConnectAsync("two", "/room-22");
        Assert.Equal("""["/room-1",true]""", (await node.EmitWithCallbackAsync("one", "where", [])).GetRawText());
        Assert.Equal("""["/room-22",true]""", (await node.EmitWithCallbackAsync("two", "where", [])).GetRawText());
        Assert.Equal("/room-1", one.Namespace.Name);
        Assert.Equal(["/room-1", "/room-22"], parent.Children.Select(c => c.Name).Order());
        Assert.Equal(["/room-1", "/room-22"], created.Order());
        Assert.True(server.Io.Namespaces.ContainsKey("/room-1"));

        Assert.Equal("Invalid namespace", (await node.ConnectErrorAsync("bad", "/room-x")).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Predicate_namespace_decides_with_the_name_and_the_auth_payload()
    {
        var asked = new ConcurrentQueue<string>();
        await using var server = await SioTestServer.StartAsync(io =>
            io.Of(async (name, auth) =>
            {
                await Task.Yield();
                asked.Enqueue(name);
                return name.StartsWith("/team-", StringComparison.Ordinal)
                    && auth.TryGetProperty("member", out var member) && member.ValueKind == JsonValueKind.True;
            }).OnConnection(socket => socket.Emit("hello", socket.Namespace.Name)));
        await using var node = server.StartDriver();

        await node.ConnectAsync("member", "/team-blue", auth: new { member = true });
        Assert.Equal("""["/team-blue"]""", (await node.ReceiveAsync("member", "hello")).GetRawText());
        Assert.Equal("Invalid namespace", (await node.ConnectErrorAsync("guest", "/team-red", auth: new { member = false })).GetProperty("message").GetString());
        Assert.Equal("Invalid namespace", (await node.ConnectErrorAsync("other", "/other", auth: new { member = true })).GetProperty("message").GetString());
        Assert.Contains("/team-red", asked);
        Assert.False(server.Io.Namespaces.ContainsKey("/team-red"));
    }

    [Fact]
    public async Task Parent_namespace_broadcasts_reach_every_child_and_nothing_else()
    {
        ParentNamespace parent = null!;
        await using var server = await SioTestServer.StartAsync(io =>
        {
            parent = io.Of(new Regex("^/game-"));
            parent.OnConnection(async socket =>
            {
                if (socket.Handshake.Auth.TryGetProperty("room", out var room))
                {
                    await socket.Join(room.GetString()!);
                }
            });
        });
        await using var node = server.StartDriver();

        await node.ConnectAsync("a", "/game-1", auth: new { room = "red" });
        await node.ConnectAsync("b", "/game-2");
        await node.ConnectAsync("c", "/game-2", auth: new { room = "red" });
        await node.ConnectAsync("main");

        parent.Emit("all-games", 1);
        parent.To("red").Emit("red-only", 2);
        server.Io.Emit("end");
        parent.Emit("end");
        foreach (var client in new[] { "a", "b", "c", "main" })
        {
            await node.ReceiveAsync(client, "end");
        }

        await node.BarrierAsync();
        Assert.Single(node.Received("a", "all-games"));
        Assert.Single(node.Received("b", "all-games"));
        Assert.Single(node.Received("c", "all-games"));
        Assert.Empty(node.Received("main", "all-games"));
        Assert.Single(node.Received("a", "red-only"));
        Assert.Empty(node.Received("b", "red-only"));
        Assert.Single(node.Received("c", "red-only"));
        Assert.Equal("[2]", node.Received("c", "red-only")[0].GetRawText());

        var fetched = await parent.FetchSocketsAsync();
        Assert.Equal(3, fetched.Count);
        Assert.Equal(["/game-1", "/game-2", "/game-2"], fetched.Select(s => s.Namespace.Name).Order());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Empty_child_namespaces_are_removed_only_with_CleanupEmptyChildNamespaces(bool cleanup)
    {
        ParentNamespace parent = null!;
        var created = 0;
        await using var server = await SioTestServer.StartAsync(
            io =>
            {
                io.NamespaceCreated += _ => Interlocked.Increment(ref created);
                parent = io.Of(new Regex("^/tmp-"));
                parent.OnConnection(socket => socket.Emit("hi", socket.Namespace.Name));
            },
            o => o.CleanupEmptyChildNamespaces = cleanup);
        await using var node = server.StartDriver();

        var a = await server.SocketAsync(await node.ConnectAsync("a", "/tmp-1"));
        var b = await server.SocketAsync(await node.ConnectAsync("b", "/tmp-1"));
        var first = a.Namespace;
        Assert.Same(first, b.Namespace);

        await node.DisconnectAsync("a");
        await server.DisconnectReasonAsync(a.Id);
        Assert.True(server.Io.Namespaces.ContainsKey("/tmp-1"), "one socket is still in it");

        await node.DisconnectAsync("b");
        await server.DisconnectReasonAsync(b.Id);
        if (cleanup)
        {
            await Wait.UntilAsync(() => !server.Io.Namespaces.ContainsKey("/tmp-1"), because: "the empty child is removed");
            Assert.Empty(parent.Children);
        }
        else
        {
            Assert.True(server.Io.Namespaces.ContainsKey("/tmp-1"));
            Assert.Single(parent.Children);
        }

        // Connecting again works either way; with cleanup it is a new namespace.
        var c = await server.SocketAsync(await node.ConnectAsync("c", "/tmp-1"));
        Assert.Equal("""["/tmp-1"]""", (await node.ReceiveAsync("c", "hi")).GetRawText());
        Assert.Equal(cleanup, !ReferenceEquals(first, c.Namespace));
        Assert.Equal(cleanup ? 2 : 1, Volatile.Read(ref created));
        Assert.Single(parent.Children);
    }

    [Fact]
    public async Task Two_namespaces_share_one_engine_connection_when_multiplexed()
    {
        await using var server = await SioTestServer.StartAsync(io =>
        {
            io.OnConnection(socket => socket.On("ping", (AckCallback ack) => ack("/")));
            io.Of("/chat").OnConnection(socket => socket.On("ping", (AckCallback ack) => ack("/chat")));
            io.Of("/vip").Use((_, _) => throw new SocketIOConnectException("members only", "vip"));
        });
        await using var node = server.StartDriver();

        var main = await server.SocketAsync(await node.ConnectAsync("main", "/", manager: "shared", opts: new { transports = new[] { "websocket" }, reconnection = false }));
        var chat = await server.SocketAsync(await node.ConnectAsync("chat", "/chat", manager: "shared"));

        Assert.Equal(main.Conn.Id, chat.Conn.Id);
        Assert.Same(main.Conn, chat.Conn);
        Assert.NotEqual(main.Id, chat.Id);
        Assert.Equal(1, server.Io.EngineConnectionsCount);
        Assert.Equal("""["/"]""", (await node.EmitWithCallbackAsync("main", "ping", [])).GetRawText());
        Assert.Equal("""["/chat"]""", (await node.EmitWithCallbackAsync("chat", "ping", [])).GetRawText());

        // A namespace refused on the shared connection leaves the others alone.
        var vip = await node.ConnectErrorAsync("vip", "/vip", manager: "shared");
        Assert.Equal("members only", vip.GetProperty("message").GetString());
        Assert.Equal("vip", vip.GetProperty("data").GetString());
        Assert.Equal("""["/chat"]""", (await node.EmitWithCallbackAsync("chat", "ping", [])).GetRawText());
        Assert.Equal(1, server.Io.EngineConnectionsCount);

        // Leaving one namespace leaves the other (and the connection) alone.
        await node.DisconnectAsync("chat");
        Assert.Equal(DisconnectReason.ClientNamespaceDisconnect, await server.DisconnectReasonAsync(chat.Id));
        Assert.True(main.Connected);
        Assert.Equal("""["/"]""", (await node.EmitWithCallbackAsync("main", "ping", [])).GetRawText());
        Assert.Equal(1, server.Io.EngineConnectionsCount);

        // Server-side disconnect of one multiplexed socket also leaves the other alone.
        var chat2 = await server.SocketAsync(await node.ConnectAsync("chat2", "/chat", manager: "shared"));
        Assert.Same(main.Conn, chat2.Conn);
        chat2.Disconnect();
        Assert.Equal("io server disconnect", (await node.WaitForAsync("chat2", "disconnect")).GetProperty("reason").GetString());
        Assert.Equal("""["/"]""", (await node.EmitWithCallbackAsync("main", "ping", [])).GetRawText());
        Assert.True(main.Connected);
    }
}
