using System.Text;

namespace Synapse.SocketIO.Redis.Resp;

/// <summary>A pub/sub message as it arrives: <c>message</c>, <c>pmessage</c> or <c>smessage</c>.</summary>
/// <param name="Kind">The kind of subscription it answers.</param>
/// <param name="Subscription">The subscribed channel or pattern.</param>
/// <param name="Channel">The channel it was published on.</param>
/// <param name="Payload">The payload.</param>
internal readonly record struct RespPush(SubscriptionKind Kind, string Subscription, string Channel, byte[] Payload);

/// <summary>
/// Channel names seen by one connection, decoded once: a node hears the same few channels over
/// and over, so each message costs no string. Used by the connection's read loop only.
/// </summary>
internal sealed class NameCache
{
    private const int MaxEntries = 4096;
    private const int MaxCachedLength = 512;

    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public NameCache() => _lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxCachedLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        Span<char> chars = stackalloc char[MaxCachedLength];
        var length = Encoding.UTF8.GetChars(utf8, chars);
        if (_lookup.TryGetValue(chars[..length], out var name))
        {
            return name;
        }

        name = new string(chars[..length]);
        if (_names.Count < MaxEntries)
        {
            _names[name] = name;
        }

        return name;
    }
}
