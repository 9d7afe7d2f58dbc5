namespace Synapse.Server.Domain;

/// <summary>
/// Creates entity ids: a short type prefix and a time-ordered UUID (version 7) in hex, such as
/// <c>msg_01968f3c9a7b7c0e8f1d2a3b4c5d6e7f</c>. Ids are opaque to clients.
/// </summary>
public static class Ids
{
    /// <summary>A new user id.</summary>
    public static string NewUserId() => New("usr");

    /// <summary>A new room id.</summary>
    public static string NewRoomId() => New("room");

    /// <summary>A new message id.</summary>
    public static string NewMessageId() => New("msg");

    /// <summary>A new notification id.</summary>
    public static string NewNotificationId() => New("ntf");

    /// <summary>A new call id.</summary>
    public static string NewCallId() => New("call");

    /// <summary>A new refresh-token family id.</summary>
    public static string NewTokenFamilyId() => New("rtf");

    private static string New(string prefix) => prefix + "_" + Guid.CreateVersion7().ToString("N");
}
