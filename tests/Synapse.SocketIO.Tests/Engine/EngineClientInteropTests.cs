using System.Text.Json;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>
/// The official JavaScript client (engine.io-client, pinned in tests/interop/package.json) against our
/// server: every transport mode, text and binary both ways, heartbeat, server-side close.
/// Scripts: tests/interop/engine-client.mjs (driven over stdio) and engine-idle.mjs (run to completion).
/// </summary>
public sealed class EngineClientInteropTests
{
    private static readonly byte[] Bytes = [0, 1, 2, 127, 128, 254, 255, 42];

    private static Task<EngineTestServer> StartEchoServerAsync(Action<EngineIOOptions>? configure = null) =>
        EngineTestServer.StartAsync(configure, socket => socket.Message += (s, m) =>
        {
            if (m.IsBinary)
            {
                s.Send(m.Data.ToArray());
            }
            else
            {
                s.Send("echo:" + m.Text);
            }
        });

    private static NodeScript StartClient(EngineTestServer server, object options) =>
        NodeScript.Start("engine-client.mjs", [server.BaseUri.ToString().TrimEnd('/'), JsonSerializer.Serialize(options)]);

    private static async Task SendText(NodeScript client, string text) => await client.SendAsync(new { cmd = "send", text });

    private static async Task SendBinary(NodeScript client, byte[] data, string type) =>
        await client.SendAsync(new { cmd = "sendBinary", base64 = Convert.ToBase64String(data), @as = type });

    private static async Task<JsonElement> NextMessage(NodeScript client) => await client.WaitForEventAsync("message");

    /// <summary>Text and binary, both directions, on whatever transport the client is on.</summary>
    private static async Task ExchangeBothWays(NodeScript client, ServerSession session)
    {
        await SendText(client, "hello €");
        Assert.Equal("hello €", await session.ReceiveTextAsync());
        var echo = await NextMessage(client);
        Assert.Equal("text", echo.GetProperty("kind").GetString());
        Assert.Equal("echo:hello €", echo.GetProperty("text").GetString());

        foreach (var type in new[] { "buffer", "arraybuffer", "uint8array" })
        {
            await SendBinary(client, Bytes, type);
            var received = await session.ReceiveAsync();
            Assert.True(received.IsBinary, $"binary sent as {type} must arrive as binary");
            Assert.Equal(Bytes, received.Data.ToArray());

            var back = await NextMessage(client);
            Assert.Equal("binary", back.GetProperty("kind").GetString());
            // Node's engine.io-client hands binary over as a Buffer.
            Assert.Equal("Buffer", back.GetProperty("type").GetString());
            Assert.Equal(Bytes, Convert.FromBase64String(back.GetProperty("base64").GetString()!));
        }

        // Server-initiated messages.
        session.Socket.Send("from server");
        Assert.Equal("from server", (await NextMessage(client)).GetProperty("text").GetString());
        session.Socket.Send(new byte[] { 9, 8, 7 });
        Assert.Equal(new byte[] { 9, 8, 7 }, Convert.FromBase64String((await NextMessage(client)).GetProperty("base64").GetString()!));
    }

    [Fact]
    public async Task Polling_only_client_connects_and_exchanges_text_and_binary()
    {
        await using var server = await StartEchoServerAsync();
        await using var client = StartClient(server, new { transports = new[] { "polling" } });

        var open = await client.WaitForEventAsync("open");
        Assert.Equal("polling", open.GetProperty("transport").GetString());
        var session = server.Session(open.GetProperty("sid").GetString()!);
        Assert.Equal("polling", session.Socket.Transport);

        await ExchangeBothWays(client, session);
        Assert.Equal("polling", session.Socket.Transport);
        Assert.False(session.Socket.IsUpgraded);
    }

    [Fact]
    public async Task Websocket_only_client_connects_and_exchanges_text_and_binary()
    {
        await using var server = await StartEchoServerAsync();
        await using var client = StartClient(server, new { transports = new[] { "websocket" } });

        var open = await client.WaitForEventAsync("open");
        Assert.Equal("websocket", open.GetProperty("transport").GetString());
        var session = server.Session(open.GetProperty("sid").GetString()!);
        Assert.Equal("websocket", session.Socket.Transport);

        await ExchangeBothWays(client, session);
    }

    [Fact]
    public async Task Default_client_upgrades_from_polling_to_websocket()
    {
        await using var server = await StartEchoServerAsync();
        await using var client = StartClient(server, new { transports = new[] { "polling", "websocket" } });

        var open = await client.WaitForEventAsync("open");
        Assert.Equal("polling", open.GetProperty("transport").GetString());
        var session = server.Session(open.GetProperty("sid").GetString()!);

        var upgrade = await client.WaitForEventAsync("upgrade");
        Assert.Equal("websocket", upgrade.GetProperty("transport").GetString());
        await session.Upgraded.WithTimeout();
        Assert.Equal("websocket", session.Socket.Transport);
        Assert.True(session.Socket.IsUpgraded);

        await ExchangeBothWays(client, session);
        Assert.DoesNotContain(client.Messages, m => m.GetProperty("event").GetString() is "upgradeError" or "close" or "error");
    }

    [Fact]
    public async Task Messages_sent_while_upgrading_are_all_delivered_in_order()
    {
        await using var server = await StartEchoServerAsync();
        await using var client = StartClient(server, new { transports = new[] { "polling", "websocket" } });
        var open = await client.WaitForEventAsync("open");
        var session = server.Session(open.GetProperty("sid").GetString()!);

        for (var i = 0; i < 50; i++)
        {
            await SendText(client, "m" + i);
            session.Socket.Send("s" + i);
        }

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("m" + i, await session.ReceiveTextAsync());
        }

        var fromServer = new List<string>();
        while (fromServer.Count < 100)
        {
            fromServer.Add((await NextMessage(client)).GetProperty("text").GetString()!);
        }

        Assert.Equal(Enumerable.Range(0, 50).Select(i => "s" + i), fromServer.Where(m => m.StartsWith('s')));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => "echo:m" + i), fromServer.Where(m => m.StartsWith("echo:", StringComparison.Ordinal)));
        await session.Upgraded.WithTimeout();
    }

    [Theory]
    [InlineData("polling")]
    [InlineData("websocket")]
    [InlineData("polling,websocket")]
    public async Task Heartbeat_keeps_an_idle_connection_alive(string transports)
    {
        await using var server = await StartEchoServerAsync(o =>
        {
            // Short pings, but a timeout that a slow poll on a loaded machine stays well inside:
            // the client gives up after PingInterval + PingTimeout without a ping.
            o.PingInterval = TimeSpan.FromMilliseconds(250);
            o.PingTimeout = TimeSpan.FromMilliseconds(2500);
        });

        var options = JsonSerializer.Serialize(new { transports = transports.Split(',') });
        var result = await NodeScript.RunAsync("engine-idle.mjs", [server.BaseUri.ToString().TrimEnd('/'), "1500", options], timeout: TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}");
        var summary = Assert.Single(result.Messages);
        Assert.True(summary.GetProperty("opened").GetBoolean());
        Assert.False(summary.GetProperty("closed").GetBoolean());
        Assert.Equal("open", summary.GetProperty("readyState").GetString());
        // ~6 intervals of idleness: at least 3 pings answered.
        Assert.True(summary.GetProperty("pings").GetInt32() >= 3, summary.ToString());
        Assert.Equal(transports.EndsWith("websocket", StringComparison.Ordinal) ? "websocket" : "polling", summary.GetProperty("transport").GetString());
    }

    [Theory]
    [InlineData("polling")]
    [InlineData("websocket")]
    [InlineData("polling,websocket")]
    public async Task Server_close_is_seen_by_the_client_as_transport_close(string transports)
    {
        await using var server = await StartEchoServerAsync();
        await using var client = StartClient(server, new { transports = transports.Split(',') });
        var open = await client.WaitForEventAsync("open");
        var session = server.Session(open.GetProperty("sid").GetString()!);
        if (transports.Contains(',', StringComparison.Ordinal))
        {
            await client.WaitForEventAsync("upgrade");
            await session.Upgraded.WithTimeout();
        }

        session.Socket.Send("bye");
        session.Socket.Close();

        Assert.Equal("bye", (await NextMessage(client)).GetProperty("text").GetString());
        var close = await client.WaitForEventAsync("close");
        // engine.io-client reports a server-side close (close packet or WebSocket close frame) as "transport close".
        Assert.Equal("transport close", close.GetProperty("reason").GetString());
        Assert.Equal(EngineCloseReason.ForcedClose, await session.ClosedReasonAsync());
    }

    [Theory]
    [InlineData("polling")]
    [InlineData("websocket")]
    public async Task Client_close_is_seen_by_the_server_as_transport_close(string transport)
    {
        await using var server = await StartEchoServerAsync();
        await using var client = StartClient(server, new { transports = new[] { transport } });
        var open = await client.WaitForEventAsync("open");
        var session = server.Session(open.GetProperty("sid").GetString()!);

        await client.SendAsync(new { cmd = "close" });
        var close = await client.WaitForEventAsync("close");
        Assert.Equal("forced close", close.GetProperty("reason").GetString());
        Assert.Equal(EngineCloseReason.TransportClose, await session.ClosedReasonAsync());
    }
}
