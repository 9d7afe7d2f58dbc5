using System.Net.WebSockets;
using System.Text;

namespace Synapse.SocketIO.Tests.Infrastructure;

/// <summary>One WebSocket message received by <see cref="WsClient"/> (or the close frame).</summary>
public readonly record struct WsMessage(WebSocketMessageType Type, byte[] Data, WebSocketCloseStatus? CloseStatus = null, string? CloseDescription = null)
{
    /// <summary>The payload as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Data);

    /// <summary>Whether this is the close frame.</summary>
    public bool IsClose => Type == WebSocketMessageType.Close;

    /// <inheritdoc />
    public override string ToString() => IsClose ? $"close {(int?)CloseStatus} {CloseDescription}" : Type == WebSocketMessageType.Text ? $"text '{Text}'" : $"binary [{Convert.ToHexString(Data)}]";
}

/// <summary>
/// A well-behaved WebSocket client (<see cref="ClientWebSocket"/>) with bounded receives that
/// reassemble whole messages. For malformed frames use <see cref="RawConnection"/>.
/// </summary>
public sealed class WsClient : IAsyncDisposable
{
    private readonly byte[] _buffer = new byte[64 * 1024];

    private WsClient(ClientWebSocket socket) => Socket = socket;

    /// <summary>The underlying socket.</summary>
    public ClientWebSocket Socket { get; }

    /// <summary>Connects to <paramref name="uri"/> (a ws:// URL) within <paramref name="timeout"/>.</summary>
    public static async Task<WsClient> ConnectAsync(Uri uri, TimeSpan? timeout = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        using var cts = new CancellationTokenSource(timeout ?? Wait.Default);
        try
        {
            await socket.ConnectAsync(uri, cts.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new WsClient(socket);
    }

    /// <summary>Sends a text frame.</summary>
    public Task SendTextAsync(string text) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    /// <summary>Sends a binary frame.</summary>
    public Task SendBinaryAsync(byte[] data) =>
        Socket.SendAsync(data, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);

    /// <summary>The next whole message (or the close frame) within <paramref name="timeout"/>.</summary>
    public async Task<WsMessage> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wait.Default);
        using var data = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await Socket.ReceiveAsync(_buffer, cts.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return new WsMessage(WebSocketMessageType.Close, [], result.CloseStatus, result.CloseStatusDescription);
                }

                data.Write(_buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    return new WsMessage(result.MessageType, data.ToArray());
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No WebSocket message within {(timeout ?? Wait.Default).TotalMilliseconds} ms.");
        }
    }

    /// <summary>The next message, which must be a text frame; returns its text.</summary>
    public async Task<string> ReceiveTextAsync(TimeSpan? timeout = null)
    {
        var message = await ReceiveAsync(timeout);
        Assert.True(message.Type == WebSocketMessageType.Text, $"expected a text frame, got {message}");
        return message.Text;
    }

    /// <summary>Receives messages until the close frame; returns it and the messages before it.</summary>
    public async Task<(WsMessage Close, List<WsMessage> Before)> ReceiveUntilCloseAsync(TimeSpan? timeout = null)
    {
        var before = new List<WsMessage>();
        var deadline = DateTime.UtcNow + (timeout ?? Wait.Default);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No close frame; received: {string.Join(", ", before)}");
            }

            WsMessage message;
            try
            {
                message = await ReceiveAsync(left);
            }
            catch (WebSocketException ex)
            {
                throw new InvalidOperationException($"Connection dropped without a close frame after: {string.Join(", ", before)}", ex);
            }

            if (message.IsClose)
            {
                return (message, before);
            }

            before.Add(message);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            Socket.Abort();
            Socket.Dispose();
        }
    }
}
