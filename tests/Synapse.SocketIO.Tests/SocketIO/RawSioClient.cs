using System.Net.WebSockets;
using System.Text.Json;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>
/// A Socket.IO client written by hand over a WebSocket-only Engine.IO connection: it sends
/// exactly the frames a test gives it (Engine.IO type digit included), answers pings, and
/// reports how the server closed the connection.
/// </summary>
internal sealed class RawSioClient : IAsyncDisposable
{
    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly WsClient _ws;

    private RawSioClient(WsClient ws, string engineId)
    {
        _ws = ws;
        EngineId = engineId;
    }

    /// <summary>The Engine.IO session id.</summary>
    public string EngineId { get; }

    /// <summary>Opens the Engine.IO connection (the open packet is read) without joining a namespace.</summary>
    public static async Task<RawSioClient> OpenAsync(SioTestServer server)
    {
        var ws = await WsClient.ConnectAsync(server.WebSocketUrl());
        var open = await ws.ReceiveTextAsync();
        Assert.StartsWith("0{", open);
        using var json = JsonDocument.Parse(open.AsMemory(1));
        return new RawSioClient(ws, json.RootElement.GetProperty("sid").GetString()!);
    }

    /// <summary>Opens a connection and joins <paramref name="nsp"/>; returns the client and the socket id.</summary>
    public static async Task<(RawSioClient Client, string SocketId)> ConnectAsync(SioTestServer server, string nsp = "/")
    {
        var client = await OpenAsync(server);
        var id = await client.JoinAsync(nsp);
        return (client, id);
    }

    /// <summary>Sends CONNECT for <paramref name="nsp"/> and reads the answer, which must accept it; returns the socket id.</summary>
    public async Task<string> JoinAsync(string nsp = "/")
    {
        var prefix = nsp == "/" ? "40" : "40" + nsp + ",";
        await SendAsync(prefix);
        var reply = await ReceiveAsync();
        Assert.StartsWith(prefix + "{", reply);
        using var json = JsonDocument.Parse(reply.AsMemory(prefix.Length));
        return json.RootElement.GetProperty("sid").GetString()!;
    }

    /// <summary>Sends a text frame as is.</summary>
    public Task SendAsync(string text) => _ws.SendTextAsync(text);

    /// <summary>Sends a binary frame (an attachment: no Engine.IO prefix over WebSocket).</summary>
    public Task SendBinaryAsync(byte[] data) => _ws.SendBinaryAsync(data);

    /// <summary>The next text message that is not a ping (pings are answered).</summary>
    public async Task<string> ReceiveAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Wait.Default);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No message but pings within {(timeout ?? Wait.Default).TotalMilliseconds} ms.");
            }

            var message = await _ws.ReceiveAsync(left);
            Assert.False(message.IsClose, $"the server closed the connection ({message})");
            if (message.Type == WebSocketMessageType.Text && message.Text == "2")
            {
                await SendAsync("3");
                continue;
            }

            Assert.True(message.Type == WebSocketMessageType.Text, $"expected text, got {message}");
            return message.Text;
        }
    }

    /// <summary>The next binary message.</summary>
    public async Task<byte[]> ReceiveBinaryAsync(TimeSpan? timeout = null)
    {
        var message = await _ws.ReceiveAsync(timeout);
        Assert.True(message.Type == WebSocketMessageType.Binary, $"expected binary, got {message}");
        return message.Data;
    }

    /// <summary>
    /// Waits until the server ends the connection (close frame or dropped socket) and returns what
    /// it sent before, pings excluded.
    /// </summary>
    public async Task<List<string>> ExpectClosedAsync(TimeSpan? timeout = null)
    {
        var before = new List<string>();
        var deadline = DateTime.UtcNow + (timeout ?? Wait.Default);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"The server did not close the connection; it sent: {string.Join(" | ", before)}");
            }

            WsMessage message;
            try
            {
                message = await _ws.ReceiveAsync(left);
            }
            catch (WebSocketException)
            {
                return before;
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"The server did not close the connection; it sent: {string.Join(" | ", before)}");
            }

            if (message.IsClose)
            {
                return before;
            }

            if (message.Type == WebSocketMessageType.Text && message.Text == "2")
            {
                continue;
            }

            before.Add(message.ToString());
        }
    }

    /// <summary>Asserts the connection still works: an <c>echo</c> event comes back.</summary>
    public async Task AssertEchoesAsync(string tag, string nsp = "/")
    {
        var prefix = nsp == "/" ? "42" : "42" + nsp + ",";
        var packet = prefix + "[\"echo\"," + JsonSerializer.Serialize(tag, RelaxedJson) + "]";
        await SendAsync(packet);
        Assert.Equal(packet, await ReceiveAsync());
    }

    public ValueTask DisposeAsync() => _ws.DisposeAsync();
}
