namespace Synapse.SocketIO.Protocol;

/// <summary>Limits applied by <see cref="SocketIOPacketDecoder"/> to what a client may send.</summary>
public sealed record SocketIODecoderOptions
{
    /// <summary>The default limits.</summary>
    public static SocketIODecoderOptions Default { get; } = new();

    /// <summary>
    /// The most binary attachments one packet may announce; more is a decode error. Defaults to 10,
    /// the default of socket.io-parser since 4.2.6 (before that it had no limit, and a client could
    /// make the server wait for and buffer any number of attachments).
    /// </summary>
    public int MaxAttachments
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 10;

    /// <summary>
    /// The deepest nesting of arrays and objects allowed in a payload (1 to 1000). Defaults to 64.
    /// socket.io-parser has no limit; this one keeps a hostile payload from costing deep recursion.
    /// </summary>
    public int MaxDepth
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1000);
            field = value;
        }
    } = 64;
}
