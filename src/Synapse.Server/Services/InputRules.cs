using System.Text.Json;
using System.Text.RegularExpressions;
using Synapse.Server.Domain;

namespace Synapse.Server.Services;

/// <summary>
/// The validation rules of every client input, shared by the REST API and the real-time API. Each
/// check returns null and the cleaned value when the input is acceptable, else the error to answer.
/// </summary>
public static partial class InputRules
{
    /// <summary>Longest message content, after trimming.</summary>
    public const int MaxContentLength = 4000;

    /// <summary>Shortest password.</summary>
    public const int MinPasswordLength = 8;

    /// <summary>Longest password (bounds the hashing work a request can cause).</summary>
    public const int MaxPasswordLength = 256;

    /// <summary>Longest display or room name.</summary>
    public const int MaxNameLength = 64;

    /// <summary>Longest client message id.</summary>
    public const int MaxClientMessageIdLength = 100;

    /// <summary>Longest emoji (a grapheme of several code points, such as a family, fits).</summary>
    public const int MaxEmojiLength = 32;

    /// <summary>Longest announcement.</summary>
    public const int MaxAnnouncementLength = 1000;

    /// <summary>Most members given when creating a room.</summary>
    public const int MaxInitialMembers = 100;

    /// <summary>Largest WebRTC signal payload, serialized.</summary>
    public const int MaxSignalBytes = 64 * 1024;

    /// <summary>The user name rule: 3–32 of ASCII letters, digits, <c>_</c>, <c>-</c>, <c>.</c>.</summary>
    [GeneratedRegex("^[A-Za-z0-9_.-]{3,32}$", RegexOptions.CultureInvariant)]
    public static partial Regex UserNamePattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    /// <summary>The form user names are compared and stored unique in (case-insensitive).</summary>
    public static string NormalizeUserName(string userName) => userName.ToUpperInvariant();

    /// <summary>A user name for registration.</summary>
    public static AppError? CheckUserName(string? input, out string userName)
    {
        userName = input ?? string.Empty;
        return input is not null && UserNamePattern().IsMatch(input)
            ? null
            : AppError.Validation("userName must be 3–32 characters of letters, digits, '_', '-' or '.'.");
    }

    /// <summary>A password for registration.</summary>
    public static AppError? CheckNewPassword(string? input, out string password)
    {
        password = input ?? string.Empty;
        if (input is null || input.Length < MinPasswordLength)
        {
            return AppError.Validation($"password must be at least {MinPasswordLength} characters.");
        }

        return input.Length > MaxPasswordLength ? AppError.Validation($"password must be at most {MaxPasswordLength} characters.") : null;
    }

    /// <summary>An optional display name; <paramref name="fallback"/> when absent.</summary>
    public static AppError? CheckDisplayName(string? input, string fallback, out string displayName)
    {
        displayName = fallback;
        if (input is null)
        {
            return null;
        }

        return CheckName(input, "displayName", out displayName);
    }

    /// <summary>A room name.</summary>
    public static AppError? CheckRoomName(string? input, out string name) =>
        CheckName(input, "name", out name);

    /// <summary>Message content: trimmed, 1–4000 characters, no control characters but line breaks and tabs.</summary>
    public static AppError? CheckContent(string? input, out string content)
    {
        content = input?.Trim() ?? string.Empty;
        if (content.Length == 0)
        {
            return AppError.Validation("content must not be empty.");
        }

        if (content.Length > MaxContentLength)
        {
            return AppError.Validation($"content must be at most {MaxContentLength} characters.");
        }

        foreach (var c in content)
        {
            if (char.IsControl(c) && c is not ('\n' or '\r' or '\t'))
            {
                return AppError.Validation("content must not contain control characters.");
            }
        }

        return null;
    }

    /// <summary>A required entity id.</summary>
    public static AppError? CheckId(string? input, string field, out string id)
    {
        id = input ?? string.Empty;
        return input is not null && IdPattern().IsMatch(input) ? null : AppError.Validation($"{field} must be a valid id.");
    }

    /// <summary>An optional entity id (null when absent).</summary>
    public static AppError? CheckOptionalId(string? input, string field, out string? id)
    {
        id = null;
        if (input is null)
        {
            return null;
        }

        var error = CheckId(input, field, out var value);
        id = value;
        return error;
    }

    /// <summary>An optional client message id: 1–100 printable characters.</summary>
    public static AppError? CheckClientMessageId(string? input, out string? clientMessageId)
    {
        clientMessageId = input;
        if (input is null)
        {
            return null;
        }

        return input.Length is 0 or > MaxClientMessageIdLength || input.Any(char.IsControl)
            ? AppError.Validation($"clientMessageId must be 1–{MaxClientMessageIdLength} printable characters.")
            : null;
    }

    /// <summary>An emoji: 1–32 characters, no whitespace or control characters.</summary>
    public static AppError? CheckEmoji(string? input, out string emoji)
    {
        emoji = input ?? string.Empty;
        return input is null || input.Length is 0 or > MaxEmojiLength || input.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            ? AppError.Validation($"emoji must be 1–{MaxEmojiLength} characters without spaces.")
            : null;
    }

    /// <summary>An announcement text: trimmed, 1–1000 characters.</summary>
    public static AppError? CheckAnnouncement(string? input, out string message)
    {
        message = input?.Trim() ?? string.Empty;
        return message.Length is 0 or > MaxAnnouncementLength
            ? AppError.Validation($"message must be 1–{MaxAnnouncementLength} characters.")
            : null;
    }

    /// <summary>A page size: <paramref name="fallback"/> when absent, else 1..<paramref name="max"/>.</summary>
    public static AppError? CheckLimit(int? input, int fallback, int max, out int limit)
    {
        limit = input ?? fallback;
        return limit < 1 || limit > max ? AppError.Validation($"limit must be between 1 and {max}.") : null;
    }

    /// <summary>A search text: trimmed, at most 64 characters; null when absent or blank.</summary>
    public static AppError? CheckSearch(string? input, out string? search)
    {
        search = string.IsNullOrWhiteSpace(input) ? null : input.Trim();
        return search is { Length: > MaxNameLength } ? AppError.Validation($"search must be at most {MaxNameLength} characters.") : null;
    }

    /// <summary>A call kind: <c>audio</c> or <c>video</c>.</summary>
    public static AppError? CheckCallKind(string? input, out string kind)
    {
        kind = input ?? string.Empty;
        return input is "audio" or "video" ? null : AppError.Validation("kind must be \"audio\" or \"video\".");
    }

    /// <summary>A WebRTC signal (an SDP or ICE description): a JSON object or string of at most 64 KiB.</summary>
    public static AppError? CheckSignal(JsonElement input)
    {
        if (input.ValueKind is not (JsonValueKind.Object or JsonValueKind.String))
        {
            return AppError.Validation("signal must be an object or a string.");
        }

        return input.GetRawText().Length > MaxSignalBytes ? AppError.Validation("signal is too large.") : null;
    }

    private static AppError? CheckName(string? input, string field, out string name)
    {
        name = input?.Trim() ?? string.Empty;
        if (name.Length is 0 or > MaxNameLength)
        {
            return AppError.Validation($"{field} must be 1–{MaxNameLength} characters.");
        }

        return name.Any(char.IsControl) ? AppError.Validation($"{field} must not contain control characters.") : null;
    }
}
