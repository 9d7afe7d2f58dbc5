using System.Net.WebSockets;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>The Transports and AllowUpgrades options.</summary>
public sealed class TransportOptionTests
{
    [Fact]
    public async Task Polling_only_refuses_websocket_with_code_0_and_offers_no_upgrade()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.Transports = EngineTransports.Polling);
        var (sid, open) = await server.Polling.HandshakeAsync();
        Assert.Equal(0, open.GetProperty("upgrades").GetArrayLength());

        await using (var raw = await RawConnection.ConnectAsync(server.BaseUri))
        {
            EngineAssert.Error(await raw.UpgradeAsync(EngineTestServer.PathAndQuery()), EngineAssert.TransportUnknown);
        }

        await using (var raw = await RawConnection.ConnectAsync(server.BaseUri))
        {
            // Not even as an upgrade of an existing session.
            EngineAssert.Error(await raw.UpgradeAsync(EngineTestServer.PathAndQuery(sid)), EngineAssert.TransportUnknown);
        }

        await Assert.ThrowsAsync<WebSocketException>(() => WsClient.ConnectAsync(server.WebSocketUrl()));
        Assert.Equal(1, server.Engine.ClientsCount);
        Assert.Equal("polling", server.Session(sid).Socket.Transport);
    }

    [Fact]
    public async Task Websocket_only_refuses_polling_with_code_0()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.Transports = EngineTransports.WebSocket);

        await EngineAssert.ErrorAsync(await server.Polling.Http.GetAsync(server.Polling.Url()), EngineAssert.TransportUnknown);
        Assert.Equal(0, server.Engine.ClientsCount);

        var (client, sid, session) = await server.OpenWebSocketAsync();
        await using var _c = client;
        Assert.Equal("websocket", session.Socket.Transport);
        // Polling requests naming the session are refused too.
        await EngineAssert.ErrorAsync(await server.Polling.GetAsync(sid), EngineAssert.TransportUnknown);
        session.Socket.Send("ws works");
        Assert.Equal("4ws works", await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task AllowUpgrades_false_announces_no_upgrades()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.AllowUpgrades = false);
        using var response = await server.Polling.Http.GetAsync(server.Polling.Url());
        var body = await response.Content.ReadAsStringAsync();
        var open = EngineAssert.OpenPacket(body);
        Assert.Contains("\"upgrades\":[]", body);
        Assert.Equal(0, open.GetProperty("upgrades").GetArrayLength());
    }

    [Fact]
    public async Task Both_transports_by_default_with_websocket_upgrade_offered()
    {
        await using var server = await EngineTestServer.StartAsync();
        Assert.Equal(EngineTransports.All, server.Engine.Options.Transports);
        var (_, open) = await server.Polling.HandshakeAsync();
        Assert.Equal(["websocket"], open.GetProperty("upgrades").EnumerateArray().Select(e => e.GetString()!).ToArray());
    }
}
