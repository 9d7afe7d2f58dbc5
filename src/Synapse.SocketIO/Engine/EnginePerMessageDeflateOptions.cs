using System.IO.Compression;

namespace Synapse.SocketIO.Engine;

/// <summary>
/// WebSocket compression, the permessage-deflate extension of RFC 7692 (Node's <c>perMessageDeflate</c>).
/// Negotiated with every client that offers it (browsers and Node's <c>ws</c> do by default).
/// The server always answers <c>server_no_context_takeover</c>: each message it sends is
/// compressed on its own, so a broadcast is compressed once and the same bytes go to every
/// recipient. Messages from clients are inflated with the context the client keeps, if any.
/// </summary>
/// <remarks>
/// Unlike Node's <c>ws</c>, there is no control over the server's window size: an offer that
/// asks for <c>server_max_window_bits</c> below 15 is declined (the connection goes on
/// uncompressed), because .NET's deflate always uses a 32 KiB window.
/// </remarks>
public sealed class EnginePerMessageDeflateOptions
{
    /// <summary>
    /// Messages smaller than this many bytes (as encoded, before compression) are sent as they
    /// are. Node's default: 1024.
    /// </summary>
    public int Threshold
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 1024;

    /// <summary>
    /// How hard to compress. Default <see cref="CompressionLevel.Fastest"/>, as for long-polling
    /// responses (Node uses zlib's default level, which is <see cref="CompressionLevel.Optimal"/>).
    /// </summary>
    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Fastest;

    /// <summary>
    /// Asks every client to compress each message on its own (answers <c>client_no_context_takeover</c>
    /// whether offered or not, as Node's <c>clientNoContextTakeover</c>). A client that keeps its
    /// context costs the server an inflater of about 60 KB for the connection's lifetime, from its
    /// first compressed message on; with this option none outlives a message, at some cost in
    /// compression of what clients send. Default false, as in Node.
    /// </summary>
    public bool ClientNoContextTakeover { get; set; }
}
