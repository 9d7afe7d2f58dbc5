using System.Text;

namespace Synapse.SocketIO.Redis.Resp;

/// <summary>The kinds of RESP2 replies.</summary>
public enum RespKind
{
    /// <summary>A simple string (<c>+OK</c>).</summary>
    SimpleString,

    /// <summary>An error reply (<c>-ERR ...</c>).</summary>
    Error,

    /// <summary>An integer (<c>:1</c>).</summary>
    Integer,

    /// <summary>A bulk string (<c>$3 foo</c>).</summary>
    BulkString,

    /// <summary>An array of replies.</summary>
    Array,

    /// <summary>The null bulk string or null array.</summary>
    Null,
}

/// <summary>One RESP reply: a simple string, an error, an integer, a bulk string, an array, or null.</summary>
public sealed class RespValue
{
    internal static readonly RespValue Null = new(RespKind.Null);

    private RespValue(RespKind kind) => Kind = kind;

    /// <summary>The kind of reply.</summary>
    public RespKind Kind { get; private init; }

    /// <summary>The bytes of a simple string, error or bulk string.</summary>
    public byte[]? Bytes { get; private init; }

    /// <summary>The value of an integer reply.</summary>
    public long Integer { get; private init; }

    /// <summary>The items of an array reply.</summary>
    public RespValue[]? Items { get; private init; }

    /// <summary>Whether this is an error reply.</summary>
    public bool IsError => Kind == RespKind.Error;

    /// <summary>The text of a string or error reply (UTF-8).</summary>
    public string? Text => Bytes is null ? null : Encoding.UTF8.GetString(Bytes);

    internal static RespValue SimpleString(byte[] bytes) => new(RespKind.SimpleString) { Bytes = bytes };

    internal static RespValue Error(byte[] bytes) => new(RespKind.Error) { Bytes = bytes };

    internal static RespValue FromInteger(long value) => new(RespKind.Integer) { Integer = value };

    internal static RespValue Bulk(byte[] bytes) => new(RespKind.BulkString) { Bytes = bytes };

    internal static RespValue Array(RespValue[] items) => new(RespKind.Array) { Items = items };

    /// <summary>Whether this is a string (simple or bulk) equal to <paramref name="ascii"/>, ignoring ASCII case.</summary>
    internal bool IsString(ReadOnlySpan<byte> ascii) =>
        Kind is RespKind.BulkString or RespKind.SimpleString && Bytes is not null && Ascii.EqualsIgnoreCase(Bytes, ascii);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        RespKind.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RespKind.Array => "[" + string.Join(", ", Items!.Select(i => i.ToString())) + "]",
        RespKind.Null => "(nil)",
        RespKind.Error => "ERR " + Text,
        _ => Text ?? string.Empty,
    };
}
