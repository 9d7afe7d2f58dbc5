using System.Text;

namespace Synapse.SocketIO.Redis.Resp;

/// <summary>The kinds of RESP2 replies.</summary>
internal enum RespKind
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
    Null,
}

/// <summary>One RESP reply: a simple string, an error, an integer, a bulk string, an array, or null.</summary>
internal sealed class RespValue
{
    public static readonly RespValue Null = new(RespKind.Null);

    private RespValue(RespKind kind) => Kind = kind;

    public RespKind Kind { get; private init; }

    /// <summary>The bytes of a simple string, error or bulk string.</summary>
    public byte[]? Bytes { get; private init; }

    /// <summary>The value of an integer reply.</summary>
    public long Integer { get; private init; }

    /// <summary>The items of an array reply.</summary>
    public RespValue[]? Items { get; private init; }

    public bool IsError => Kind == RespKind.Error;

    /// <summary>The text of a string or error reply (UTF-8).</summary>
    public string? Text => Bytes is null ? null : Encoding.UTF8.GetString(Bytes);

    public static RespValue SimpleString(byte[] bytes) => new(RespKind.SimpleString) { Bytes = bytes };

    public static RespValue Error(byte[] bytes) => new(RespKind.Error) { Bytes = bytes };

    public static RespValue FromInteger(long value) => new(RespKind.Integer) { Integer = value };

    public static RespValue Bulk(byte[] bytes) => new(RespKind.BulkString) { Bytes = bytes };

    public static RespValue Array(RespValue[] items) => new(RespKind.Array) { Items = items };

    /// <summary>Whether this is a string (simple or bulk) equal to <paramref name="ascii"/>, ignoring ASCII case.</summary>
    public bool IsString(ReadOnlySpan<byte> ascii) =>
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
