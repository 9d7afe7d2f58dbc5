using System.Text.RegularExpressions;

namespace Synapse.Server.Services;

/// <summary>Finds <c>@userName</c> mentions in message content.</summary>
public static partial class Mentions
{
    /// <summary>Most distinct mentions honoured in one message (bounds the notification fan-out).</summary>
    public const int MaxPerMessage = 20;

    // "@" not preceded by a name character (so e-mail addresses do not count), then a user name.
    [GeneratedRegex(@"(?<![A-Za-z0-9_.\-@])@([A-Za-z0-9_.\-]{3,32})", RegexOptions.CultureInvariant)]
    private static partial Regex MentionPattern();

    /// <summary>
    /// The normalized user names mentioned in <paramref name="content"/>. A name followed by
    /// sentence punctuation (<c>@bob.</c>) also yields the name without it.
    /// </summary>
    public static IReadOnlySet<string> Parse(string content)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in MentionPattern().Matches(content))
        {
            var name = match.Groups[1].Value;
            names.Add(InputRules.NormalizeUserName(name));
            var trimmed = name.TrimEnd('.', '-');
            if (trimmed.Length >= 3 && trimmed.Length != name.Length)
            {
                names.Add(InputRules.NormalizeUserName(trimmed));
            }

            if (names.Count >= MaxPerMessage)
            {
                break;
            }
        }

        return names;
    }
}
