namespace Synapse.SocketIO.Protocol.MessagePack;

/// <summary>The families of MessagePack formats.</summary>
public enum MessagePackType
{
    /// <summary>The byte 0xc1, which the specification never uses.</summary>
    Unknown,

    /// <summary>nil.</summary>
    Nil,

    /// <summary>true or false.</summary>
    Boolean,

    /// <summary>Any integer format (fixint, int 8–64, uint 8–64).</summary>
    Integer,

    /// <summary>float 32 or float 64.</summary>
    Float,

    /// <summary>fixstr, str 8/16/32.</summary>
    String,

    /// <summary>bin 8/16/32.</summary>
    Binary,

    /// <summary>fixarray, array 16/32.</summary>
    Array,

    /// <summary>fixmap, map 16/32.</summary>
    Map,

    /// <summary>fixext 1–16, ext 8/16/32 (timestamps included).</summary>
    Extension,
}
