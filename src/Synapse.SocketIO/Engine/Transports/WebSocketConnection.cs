using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Synapse.SocketIO.Engine.Transports;

/// <summary>
/// An accepted WebSocket: its input, its frame writer, the permessage-deflate state it
/// negotiated, and how to run and abort it, inside its upgrade request or, handed off, after it.
/// </summary>
internal sealed class WebSocketConnection
{
    // Exactly one of the two: the request while it lasts, or the connection it was handed off.
    private readonly HttpContext? _context;
    private readonly ConnectionContext? _handedOff;
    // Only until the connection is claimed.
    private WebSocketHandoff? _handoff;

    public WebSocketConnection(HttpContext context, Stream stream, PerMessageDeflate? deflate)
    {
        _context = context;
        // Zero-byte reads: an idle connection holds no read buffer until data arrives.
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true, useZeroByteReads: true));
        Output = new StreamFrameWriter(stream);
        Deflate = deflate;
    }

    public WebSocketConnection(WebSocketHandoff handoff, PerMessageDeflate? deflate)
    {
        _handoff = handoff;
        _handedOff = handoff.Connection;
        Input = handoff.TransportInput;
        Output = new PipeFrameWriter(handoff.TransportOutput);
        Deflate = deflate;
    }

    public PipeReader Input { get; }

    public FrameWriter Output { get; }

    public PerMessageDeflate? Deflate { get; }

    /// <summary>Whether the connection runs after its upgrade request has ended.</summary>
    public bool HandedOff => _handedOff is not null;

    /// <summary>
    /// Runs <paramref name="body"/> on the connection. Inside the request the returned task is the
    /// body's; handed off, it completes at once and the body starts when the request has ended.
    /// </summary>
    public Task RunAsync(Func<Task> body)
    {
        if (_handedOff is null)
        {
            return body();
        }

        if (_handoff?.TryClaim(body) != true)
        {
            // Checked before the 101 went out; only a second claim of one connection gets here.
            throw new InvalidOperationException("The connection was already handed off.");
        }

        _handoff = null;
        return Task.CompletedTask;
    }

    /// <summary>Closes the connection at once, whatever is pending on it.</summary>
    public void Abort()
    {
        if (_handedOff is not null)
        {
            _handedOff.Abort(new ConnectionAbortedException("The WebSocket was aborted."));
        }
        else
        {
            _context!.Abort();
        }
    }

    /// <summary>Ends the connection's use once the transport has stopped reading and writing.</summary>
    public async ValueTask CompleteAsync()
    {
        await Input.CompleteAsync();
        if (_handedOff is not null)
        {
            // Completing the output lets Kestrel send what is still queued (the close frame) before
            // it closes the socket; inside a request, Kestrel ends the upgrade stream itself.
            await _handedOff.Transport.Output.CompleteAsync();
        }
    }
}
