namespace Synapse.SocketIO.Tests.Infrastructure;

/// <summary>Long-polling payload helpers (packets joined by the record separator 0x1E).</summary>
public static class EnginePayload
{
    /// <summary>The record separator.</summary>
    public const char Separator = '\u001e';

    /// <summary>Joins encoded packets into one payload.</summary>
    public static string Join(params string[] packets) => string.Join(Separator, packets);

    /// <summary>Splits a payload into its encoded packets.</summary>
    public static string[] Split(string payload) => payload.Split(Separator);

    /// <summary><c>b</c> + base64, the long-polling form of a binary message.</summary>
    public static string Binary(byte[] data) => "b" + Convert.ToBase64String(data);
}
