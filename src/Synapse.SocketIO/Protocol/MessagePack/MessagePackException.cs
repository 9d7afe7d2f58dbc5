namespace Synapse.SocketIO.Protocol.MessagePack;

/// <summary>
/// MessagePack data could not be read (truncated, malformed, a declared length larger than the
/// data, nesting too deep) or a value could not be written.
/// </summary>
public sealed class MessagePackException : FormatException
{
    /// <summary>Creates the error.</summary>
    public MessagePackException(string message, int offset = -1)
        : base(offset >= 0 ? $"{message} (at offset {offset})" : message)
    {
        Offset = offset;
    }

    /// <summary>Creates the error with an inner exception.</summary>
    public MessagePackException(string message, Exception innerException)
        : base(message, innerException)
    {
        Offset = -1;
    }

    /// <summary>Where in the input the problem was found, or -1.</summary>
    public int Offset { get; }
}
