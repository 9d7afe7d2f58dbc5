namespace Synapse.Server.Domain;

/// <summary>A stored notification for one user, also pushed live as the <c>notification</c> event.</summary>
/// <param name="Id">Stable id (<c>ntf_…</c>).</param>
/// <param name="Type">One of <see cref="NotificationTypes"/>.</param>
/// <param name="Title">Short headline.</param>
/// <param name="Message">Body text.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="Read">Whether the user marked it read.</param>
/// <param name="RoomId">The room it concerns, if any.</param>
/// <param name="MessageId">The message it concerns (mentions), if any.</param>
public sealed record Notification(
    string Id,
    string Type,
    string Title,
    string Message,
    DateTimeOffset CreatedAt,
    bool Read,
    string? RoomId,
    string? MessageId);

/// <summary>The kinds of notification.</summary>
public static class NotificationTypes
{
    /// <summary>Someone wrote <c>@userName</c> in a room the user belongs to.</summary>
    public const string Mention = "mention";

    /// <summary>Someone added the user to a room (or opened a direct conversation with them).</summary>
    public const string RoomAdded = "room_added";

    /// <summary>A call rang for the user and ended without them answering.</summary>
    public const string MissedCall = "missed_call";
}
