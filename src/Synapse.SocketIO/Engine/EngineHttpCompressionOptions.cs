namespace Synapse.SocketIO.Engine;

/// <summary>Compression of long-polling responses (Node's <c>httpCompression</c>).</summary>
public sealed class EngineHttpCompressionOptions
{
    /// <summary>Responses smaller than this many bytes are sent as they are. Node's default: 1024.</summary>
    public int Threshold { get; set; } = 1024;
}
