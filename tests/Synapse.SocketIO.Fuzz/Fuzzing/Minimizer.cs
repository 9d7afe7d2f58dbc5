namespace Synapse.SocketIO.Fuzz.Fuzzing;

/// <summary>
/// Shrinks a failing input while it still fails the same way: removes chunks of halving size
/// (delta debugging), then tries simplifying single bytes. Bounded in attempts.
/// </summary>
public static class Minimizer
{
    /// <summary>The smallest input found that still satisfies <paramref name="fails"/>.</summary>
    public static byte[] Minimize(byte[] input, Func<byte[], bool> fails, int maxAttempts = 4000)
    {
        var current = input;
        var attempts = 0;
        for (var chunk = Math.Max(1, current.Length / 2); chunk >= 1 && attempts < maxAttempts; chunk /= 2)
        {
            var progress = true;
            while (progress && attempts < maxAttempts)
            {
                progress = false;
                for (var start = 0; start < current.Length && attempts < maxAttempts; start += chunk)
                {
                    var length = Math.Min(chunk, current.Length - start);
                    var candidate = new byte[current.Length - length];
                    current.AsSpan(0, start).CopyTo(candidate);
                    current.AsSpan(start + length).CopyTo(candidate.AsSpan(start));
                    attempts++;
                    if (fails(candidate))
                    {
                        current = candidate;
                        progress = true;
                        start -= chunk;
                    }
                }
            }
        }

        // Replace bytes by a plain 'a' where that keeps the failure: minimal inputs read better.
        for (var i = 0; i < current.Length && attempts < maxAttempts; i++)
        {
            if (current[i] == (byte)'a')
            {
                continue;
            }

            var candidate = (byte[])current.Clone();
            candidate[i] = (byte)'a';
            attempts++;
            if (fails(candidate))
            {
                current = candidate;
            }
        }

        return current;
    }
}
