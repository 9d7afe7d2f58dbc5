using System.Text.Json;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// Connects the binary converters, which System.Text.Json calls with no context of ours, to the packet
/// being encoded or decoded. Serialization is synchronous, so the current packet is thread-static;
/// scopes restore the previous one, so nesting is safe.
/// </summary>
internal static class BinaryAttachmentScope
{
    [ThreadStatic]
    private static List<ReadOnlyMemory<byte>>? t_collecting;

    [ThreadStatic]
    private static IReadOnlyList<ReadOnlyMemory<byte>>? t_resolving;

    /// <summary>Collects the binary values met while encoding into <paramref name="attachments"/>.</summary>
    public static CollectingScope Collect(List<ReadOnlyMemory<byte>> attachments)
    {
        var previous = t_collecting;
        t_collecting = attachments;
        return new CollectingScope(previous);
    }

    /// <summary>Lets placeholders met while deserializing resolve to <paramref name="attachments"/>.</summary>
    public static ResolvingScope Resolve(IReadOnlyList<ReadOnlyMemory<byte>> attachments)
    {
        var previous = t_resolving;
        t_resolving = attachments;
        return new ResolvingScope(previous);
    }

    /// <summary>Adds an attachment to the packet being encoded and returns its placeholder number.</summary>
    public static int Add(ReadOnlyMemory<byte> data)
    {
        var attachments = t_collecting ?? throw new InvalidOperationException(
            "Binary data can only be sent in the arguments of an event or an acknowledgement.");
        attachments.Add(data);
        return attachments.Count - 1;
    }

    /// <summary>Resolves a placeholder of the packet being deserialized.</summary>
    public static bool TryResolve(JsonElement placeholder, out ReadOnlyMemory<byte> data)
    {
        var attachments = t_resolving;
        if (attachments is not null && BinaryPlaceholder.TryGetIndex(placeholder, attachments.Count, out int index))
        {
            data = attachments[index];
            return true;
        }

        data = default;
        return false;
    }

    public readonly ref struct CollectingScope(List<ReadOnlyMemory<byte>>? previous)
    {
        public void Dispose() => t_collecting = previous;
    }

    public readonly ref struct ResolvingScope(IReadOnlyList<ReadOnlyMemory<byte>>? previous)
    {
        public void Dispose() => t_resolving = previous;
    }
}
