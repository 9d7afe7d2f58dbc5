namespace Synapse.SocketIO.Protocol.MessagePack;

/// <summary>
/// An extension value whose type the codec does not interpret (every type but the timestamp, -1).
/// notepack.io hands these to JavaScript as a two-element array <c>[type, Buffer]</c>.
/// </summary>
/// <param name="Type">The extension type (-128 to 127; negative types are reserved by the specification).</param>
/// <param name="Data">The extension's bytes.</param>
public sealed record MessagePackExtension(sbyte Type, byte[] Data);
