using System.Text;

namespace Synapse.SocketIO.Engine;

/// <summary>
/// A message received from a client. <see cref="Data"/> belongs to the receiver: the engine
/// never reuses it, so it may be kept beyond the handler.
/// </summary>
/// <param name="IsBinary">True for binary data, false for UTF-8 text.</param>
/// <param name="Data">The message bytes (UTF-8 for text, without the Engine.IO type digit).</param>
public readonly record struct EngineMessage(bool IsBinary, ReadOnlyMemory<byte> Data)
{
    /// <summary>The message as a string (decodes the UTF-8 bytes of a text message).</summary>
    public string Text => Encoding.UTF8.GetString(Data.Span);
}
