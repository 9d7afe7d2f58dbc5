using System.Globalization;
using System.Text;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>
/// What a generated permessage-deflate session must end in, written by the generator into the
/// upgrade request as an <c>X-Fuzz-Expect</c> header (the server ignores it; a replayed input
/// carries it along): whether the offer must be accepted (<c>pmd=yes|no|?</c>), whether the client
/// compressed with context takeover (<c>ctx=keep|fresh</c>), and the outcome when the extension
/// was negotiated (<c>on=</c>) and when it was not (<c>off=</c>): <c>acks:N:HASH</c> (N acknowledgements,
/// in order, whose texts hash to HASH, then our close echoed), <c>close:STATUS</c>, or <c>any</c>.
/// </summary>
internal sealed record DeflateExpectation(bool? Accepted, bool KeepContext, string On, string Off)
{
    public const string HeaderName = "X-Fuzz-Expect";

    public string Header =>
        $"{HeaderName}: pmd={(Accepted is null ? "?" : Accepted.Value ? "yes" : "no")}; ctx={(KeepContext ? "keep" : "fresh")}; on={On}; off={Off}";

    /// <summary>The expectation in <paramref name="input"/>'s request head, if any (damaged ones read as none).</summary>
    public static DeflateExpectation? Find(byte[] input)
    {
        var name = Encoding.ASCII.GetBytes("\r\n" + HeaderName + ": ");
        var at = input.AsSpan().IndexOf(name);
        if (at < 0)
        {
            return null;
        }

        var rest = input.AsSpan(at + name.Length);
        var end = rest.IndexOf("\r\n"u8);
        if (end < 0)
        {
            return null;
        }

        var fields = Encoding.Latin1.GetString(rest[..end]).Split("; ").Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
        if (!fields.TryGetValue("pmd", out var pmd) || !fields.TryGetValue("ctx", out var ctx) || !fields.TryGetValue("on", out var on) || !fields.TryGetValue("off", out var off)
            || !IsOutcome(on) || !IsOutcome(off))
        {
            return null;
        }

        return new DeflateExpectation(pmd switch { "yes" => true, "no" => false, _ => null }, ctx == "keep", on, off);
    }

    private static bool IsOutcome(string outcome) => outcome == "any" || outcome.StartsWith("close:", StringComparison.Ordinal) || outcome.StartsWith("acks:", StringComparison.Ordinal);

    public static string Acks(IReadOnlyList<string> replies) => $"acks:{replies.Count}:{Hash(replies)}";

    public static string Close(int status) => $"close:{status}";

    /// <summary>FNV-1a over the replies, in order.</summary>
    public static string Hash(IEnumerable<string> replies)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(string.Join('\n', replies)))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return hash.ToString("x8", CultureInfo.InvariantCulture);
    }

    /// <summary>How many acknowledgements an <c>acks:</c> outcome waits for; null for the others.</summary>
    public static int? AckCount(string outcome) =>
        outcome.StartsWith("acks:", StringComparison.Ordinal) ? int.Parse(outcome.Split(':')[1], CultureInfo.InvariantCulture) : null;
}

/// <summary>
/// One path of a generated session (the extension negotiated, or not): the acknowledgements due
/// so far, until a step decides the end (a close status, or anything).
/// </summary>
internal sealed class DeflatePath
{
    private readonly List<string> _replies = [];
    private string? _end;

    public bool Ended => _end is not null;

    public void Ack(string reply)
    {
        if (!Ended)
        {
            _replies.Add(reply);
        }
    }

    public void Close(int status) => _end ??= DeflateExpectation.Close(status);

    public void Unknown() => _end ??= "any";

    /// <summary>Byte damage anywhere in the frames: whatever was predicted, anything may happen now.</summary>
    public void Damaged() => _end = "any";

    public string Outcome => _end ?? DeflateExpectation.Acks(_replies);
}
