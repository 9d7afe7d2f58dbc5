using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Engine.Transports;
using Synapse.SocketIO.Hosting;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>
/// <c>UseEngineIOWebSocketHandoff</c>: a WebSocket runs on the connection's own pipes once its
/// upgrade request has ended, and behaves exactly as one kept on the upgrade stream.
/// </summary>
public sealed class WebSocketHandoffTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_websocket_session_carries_text_binary_and_large_messages_and_closes_cleanly(bool handoff)
    {
        await using var server = await HandoffServer.StartAsync(handoff);
        await using var client = await WsClient.ConnectAsync(server.Url("websocket"));
        Assert.StartsWith("0{", await client.ReceiveTextAsync());
        var socket = await server.NextSessionAsync();
        Assert.Equal(handoff, IsHandedOff(socket));

        var messages = Channel.CreateUnbounded<EngineMessage>();
        var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.Message += (_, m) => messages.Writer.TryWrite(m);
        socket.Closed += (_, reason, _) => closed.TrySetResult(reason);

        await client.SendTextAsync("4hello");
        Assert.Equal("hello", Encoding.UTF8.GetString((await messages.Reader.ReadAsync().AsTask().WithTimeout()).Data.Span));
        socket.Send("from server");
        Assert.Equal("4from server", await client.ReceiveTextAsync());

        await client.SendBinaryAsync([1, 2, 3]);
        Assert.Equal(new byte[] { 1, 2, 3 }, (await messages.Reader.ReadAsync().AsTask().WithTimeout()).Data.ToArray());
        socket.Send(new byte[] { 4, 5 });
        Assert.Equal(new byte[] { 4, 5 }, (await client.ReceiveAsync()).Data);

        // Above the writer's 64 KB threshold: written from the payload's own memory.
        var large = new string('L', 200_000);
        await client.SendTextAsync("4" + large);
        Assert.Equal(large, Encoding.UTF8.GetString((await messages.Reader.ReadAsync().AsTask().WithTimeout()).Data.Span));
        socket.Send(large);
        socket.Send("after");
        Assert.Equal("4" + large, await client.ReceiveTextAsync());
        Assert.Equal("4after", await client.ReceiveTextAsync());

        // Packets queued before the close go out before the close frame.
        socket.Send("last");
        socket.Close();
        var (close, before) = await client.ReceiveUntilCloseAsync();
        Assert.Equal(["text '4last'"], before.Select(m => m.ToString()));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.CloseStatus);
        Assert.Equal(EngineCloseReason.ForcedClose, await closed.Task.WithTimeout());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_polling_session_upgrades_to_a_websocket(bool handoff)
    {
        await using var server = await HandoffServer.StartAsync(handoff);
        using var polling = new PollingClient(server.BaseUri, "/engine.io/");
        var (sid, _) = await polling.HandshakeAsync();
        var socket = await server.NextSessionAsync();
        var upgraded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.Upgraded += _ => upgraded.TrySetResult();

        await using var ws = await WsClient.ConnectAsync(server.Url("websocket", sid));
        await ws.SendTextAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveTextAsync());
        await ws.SendTextAsync("5");
        await upgraded.Task.WithTimeout();
        Assert.Equal(handoff, IsHandedOff(socket));

        socket.Send("over ws");
        Assert.Equal("4over ws", await ws.ReceiveTextAsync());
    }

    [Fact]
    public async Task The_upgrade_request_ends_after_the_101_while_the_websocket_stays_open()
    {
        await using var server = await HandoffServer.StartAsync(handoff: true);
        await using var client = await WsClient.ConnectAsync(server.Url("websocket"));
        Assert.StartsWith("0{", await client.ReceiveTextAsync());
        var socket = await server.NextSessionAsync();

        // The whole middleware pipeline ran for the upgrade request, and returned.
        var request = await server.CompletedRequests.Reader.ReadAsync().AsTask().WithTimeout();
        Assert.Equal(101, request.Status);
        Assert.Contains("transport=websocket", request.Query, StringComparison.Ordinal);

        Assert.Equal(EngineReadyState.Open, socket.ReadyState);
        socket.Send("still here");
        Assert.Equal("4still here", await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task A_client_that_vanishes_closes_its_handed_off_session()
    {
        await using var server = await HandoffServer.StartAsync(handoff: true);
        await using var raw = await RawConnection.ConnectAsync(server.BaseUri);
        var response = await raw.UpgradeAsync("/engine.io/?EIO=4&transport=websocket");
        Assert.Equal(101, response.StatusCode);
        var socket = await server.NextSessionAsync();
        Assert.True(IsHandedOff(socket));
        var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.Closed += (_, reason, _) => closed.TrySetResult(reason);

        raw.Stream.Socket.Close();
        Assert.Equal(EngineCloseReason.TransportClose, await closed.Task.WithTimeout());
    }

    [Theory]
    // TLS added after the handoff middleware: the middleware sees ciphertext, so WebSockets stay
    // on the upgrade stream; added before it, they are handed off over TLS.
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task Over_tls_the_handoff_happens_only_inside_the_tls_middleware(bool handoffInsideTls, bool expectHandedOff)
    {
        using var certificate = SelfSignedCertificate();
        await using var server = await HandoffServer.StartAsync(handoff: true, tls: certificate, handoffInsideTls: handoffInsideTls);
        using var client = new ClientWebSocket();
        client.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var cts = new CancellationTokenSource(Wait.Default);
        await client.ConnectAsync(server.Url("websocket"), cts.Token);
        var buffer = new byte[1024];
        var first = await client.ReceiveAsync(buffer, cts.Token);
        Assert.StartsWith("0{", Encoding.UTF8.GetString(buffer, 0, first.Count));
        var socket = await server.NextSessionAsync();
        Assert.Equal(expectHandedOff, IsHandedOff(socket));

        socket.Send("secret");
        var next = await client.ReceiveAsync(buffer, cts.Token);
        Assert.Equal("4secret", Encoding.UTF8.GetString(buffer, 0, next.Count));
        await client.SendAsync("4back"u8.ToArray(), WebSocketMessageType.Text, true, cts.Token);
        var messages = Channel.CreateUnbounded<string>();
        socket.Message += (_, m) => messages.Writer.TryWrite(Encoding.UTF8.GetString(m.Data.Span));
        Assert.Equal("back", await messages.Reader.ReadAsync().AsTask().WithTimeout());
    }

    [Fact]
    public async Task Kestrel_timeouts_still_close_idle_http_connections_but_not_handed_off_websockets()
    {
        // Kestrel drives its HTTP timeouts from the connection heartbeat, which the handoff relays
        // while HTTP owns the connection and drops once a WebSocket has taken it over.
        await using var server = await HandoffServer.StartAsync(handoff: true, kestrel: k => k.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(1));
        await using var idleHttp = await RawConnection.ConnectAsync(server.BaseUri);
        await idleHttp.SendRequestAsync("GET", "/engine.io/?EIO=4&transport=polling");
        Assert.Equal(200, (await idleHttp.ReadResponseAsync()).StatusCode);
        Assert.Equal("polling", (await server.NextSessionAsync()).Transport);

        await using var client = await WsClient.ConnectAsync(server.Url("websocket"));
        Assert.StartsWith("0{", await client.ReceiveTextAsync());
        var socket = await server.NextSessionAsync();
        Assert.True(IsHandedOff(socket));

        // The idle keep-alive connection is closed by Kestrel (end of stream, no frame).
        Assert.Null(await idleHttp.ReadFrameAsync(TimeSpan.FromSeconds(15)));

        // Well past the keep-alive timeout, the WebSocket is still open both ways.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var messages = Channel.CreateUnbounded<string>();
        socket.Message += (_, m) => messages.Writer.TryWrite(Encoding.UTF8.GetString(m.Data.Span));
        await client.SendTextAsync("4alive");
        Assert.Equal("alive", await messages.Reader.ReadAsync().AsTask().WithTimeout());
        socket.Send("ok");
        Assert.Equal("4ok", await client.ReceiveTextAsync());
        Assert.Equal(EngineReadyState.Open, socket.ReadyState);
    }

    private static bool IsHandedOff(EngineSocket socket) => socket.CurrentTransport is WebSocketTransport { HandedOff: true };

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // Exported and reloaded: SslStream on Linux needs a certificate whose key it can use as a server.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    private sealed class HandoffServer : IAsyncDisposable
    {
        private readonly Channel<EngineSocket> _sessions = Channel.CreateUnbounded<EngineSocket>();

        private HandoffServer(WebApplication app, Uri baseUri)
        {
            App = app;
            BaseUri = baseUri;
        }

        public WebApplication App { get; }

        public Uri BaseUri { get; }

        public Channel<(int Status, string Query)> CompletedRequests { get; } = Channel.CreateUnbounded<(int, string)>();

        public Uri Url(string transport, string? sid = null)
        {
            var scheme = BaseUri.Scheme == "https" ? "wss" : "ws";
            return new Uri($"{scheme}://{BaseUri.Authority}/engine.io/?EIO=4&transport={transport}{(sid is null ? "" : "&sid=" + sid)}");
        }

        public async Task<EngineSocket> NextSessionAsync() => await _sessions.Reader.ReadAsync().AsTask().WithTimeout();

        public static async Task<HandoffServer> StartAsync(bool handoff, X509Certificate2? tls = null, bool handoffInsideTls = false, Action<KestrelServerOptions>? kestrel = null)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => kestrel?.Invoke(k));
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (tls is not null && handoffInsideTls)
                {
                    listen.UseHttps(tls);
                }

                if (handoff)
                {
                    listen.UseEngineIOWebSocketHandoff();
                }

                if (tls is not null && !handoffInsideTls)
                {
                    listen.UseHttps(tls);
                }
            }));
            builder.Services.AddEngineIO();
            var app = builder.Build();
            HandoffServer? server = null;
            app.Use(async (context, next) =>
            {
                await next(context);
                server!.CompletedRequests.Writer.TryWrite((context.Response.StatusCode, context.Request.QueryString.Value ?? ""));
            });
            app.MapEngineIO("/engine.io/", socket => server!._sessions.Writer.TryWrite(socket));
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var port = new Uri(address).Port;
            server = new HandoffServer(app, new Uri($"{(tls is null ? "http" : "https")}://127.0.0.1:{port}/"));
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
