namespace Synapse.Server.Domain;

/// <summary>A chat message, as stored and as broadcast in <c>message:new</c>.</summary>
/// <param name="Id">Stable id (<c>msg_…</c>).</param>
/// <param name="RoomId">The room it was posted in.</param>
/// <param name="UserId">The author.</param>
/// <param name="UserName">The author's user name.</param>
/// <param name="Content">The text, trimmed, 1–4000 characters.</param>
/// <param name="CreatedAt">When it was stored.</param>
/// <param name="EditedAt">When it was last edited, if ever.</param>
/// <param name="ReplyToId">The message it answers, if any.</param>
/// <param name="Reactions">Emoji reactions, in the order they first appeared.</param>
/// <param name="ClientMessageId">The sender's idempotency key, if it gave one.</param>
public sealed record Message(
    string Id,
    string RoomId,
    string UserId,
    string UserName,
    string Content,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EditedAt,
    string? ReplyToId,
    IReadOnlyList<Reaction> Reactions,
    string? ClientMessageId);

/// <summary>One emoji on a message and who reacted with it.</summary>
/// <param name="Emoji">The emoji.</param>
/// <param name="Count">How many users reacted with it.</param>
/// <param name="UserIds">Those users, in reaction order.</param>
public sealed record Reaction(string Emoji, int Count, IReadOnlyList<string> UserIds);
