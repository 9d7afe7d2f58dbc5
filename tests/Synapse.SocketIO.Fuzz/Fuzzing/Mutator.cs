using System.Buffers.Binary;
using System.Text;

namespace Synapse.SocketIO.Fuzz.Fuzzing;

/// <summary>
/// Turns seed inputs into new ones: byte-level edits (flips, random or "interesting" bytes, inserted,
/// deleted, duplicated or repeated ranges), splices of two seeds, and insertions of the target's
/// dictionary tokens (the protocol's delimiters and keywords). Everything comes from the given
/// <see cref="Random"/>, so one seed always yields the same input.
/// </summary>
public sealed class Mutator
{
    private static readonly byte[] Interesting =
    [
        0x00, 0x01, 0x1E, 0x20, 0x7F, 0x80, 0x81, 0xFE, 0xFF, (byte)'0', (byte)'9', (byte)'-', (byte)',', (byte)'/',
        (byte)'[', (byte)']', (byte)'{', (byte)'}', (byte)'"', (byte)'\\', (byte)':', (byte)'\r', (byte)'\n', 0xC0, 0xDC, 0xDD, 0xDE, 0xDF,
    ];

    private readonly IReadOnlyList<byte[]> _seeds;
    private readonly IReadOnlyList<byte[]> _tokens;
    private readonly int _maxLength;

    /// <summary>Creates a mutator over a seed corpus and a dictionary.</summary>
    public Mutator(IReadOnlyList<byte[]> seeds, IReadOnlyList<byte[]> tokens, int maxLength)
    {
        if (seeds.Count == 0)
        {
            throw new ArgumentException("A mutator needs at least one seed.", nameof(seeds));
        }

        _seeds = seeds;
        _tokens = tokens;
        _maxLength = maxLength;
    }

    /// <summary>A seed as is (one input in eight), or a seed with 1 to 8 mutations stacked.</summary>
    public byte[] Next(Random random)
    {
        var input = new List<byte>(_seeds[random.Next(_seeds.Count)]);
        if (random.Next(8) == 0)
        {
            return [.. input];
        }

        var count = 1 + random.Next(random.Next(2) == 0 ? 2 : 8);
        for (var i = 0; i < count; i++)
        {
            Mutate(input, random);
            if (input.Count > _maxLength)
            {
                input.RemoveRange(_maxLength, input.Count - _maxLength);
            }
        }

        return [.. input];
    }

    /// <summary>Applies one random mutation in place.</summary>
    public void Mutate(List<byte> input, Random random)
    {
        switch (random.Next(input.Count == 0 ? 3 : 15))
        {
            case 0: // insert random bytes
                input.InsertRange(random.Next(input.Count + 1), RandomBytes(random, 1 + random.Next(8)));
                break;
            case 1: // insert a dictionary token (or an interesting byte when there is none)
                input.InsertRange(random.Next(input.Count + 1), Token(random));
                break;
            case 2: // splice: a range of another seed
            {
                var other = _seeds[random.Next(_seeds.Count)];
                if (other.Length == 0)
                {
                    break;
                }

                var start = random.Next(other.Length);
                var length = 1 + random.Next(other.Length - start);
                input.InsertRange(random.Next(input.Count + 1), other.AsSpan(start, length).ToArray());
                break;
            }

            case 3: // flip a bit
            {
                var at = random.Next(input.Count);
                input[at] ^= (byte)(1 << random.Next(8));
                break;
            }

            case 4: // set a random byte
                input[random.Next(input.Count)] = (byte)random.Next(256);
                break;
            case 5: // set an interesting byte
                input[random.Next(input.Count)] = Interesting[random.Next(Interesting.Length)];
                break;
            case 6: // delete a range
            {
                var start = random.Next(input.Count);
                input.RemoveRange(start, 1 + random.Next(Math.Min(16, input.Count - start)));
                break;
            }

            case 7: // duplicate a range in place
            {
                var (start, length) = Range(input, random);
                input.InsertRange(start, input.GetRange(start, length));
                break;
            }

            case 8: // repeat a short range many times (deep nesting, long runs, many packets)
            {
                var start = random.Next(input.Count);
                var length = 1 + random.Next(Math.Min(4, input.Count - start));
                var chunk = input.GetRange(start, length);
                var times = 1 + random.Next(Math.Max(1, (_maxLength - input.Count) / length));
                var repeated = new List<byte>(chunk.Count * Math.Min(times, 4096));
                for (var i = 0; i < times && repeated.Count + input.Count < _maxLength; i++)
                {
                    repeated.AddRange(chunk);
                }

                input.InsertRange(start, repeated);
                break;
            }

            case 9: // truncate
            {
                var at = random.Next(input.Count);
                input.RemoveRange(at, input.Count - at);
                break;
            }

            case 10: // replace a run of ASCII digits with another number (sizes, counts, ids)
                ReplaceNumber(input, random);
                break;
            case 11: // overwrite with a big-endian integer at a random offset (binary lengths)
            {
                Span<byte> value = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(value, InterestingInteger(random));
                var at = random.Next(input.Count);
                for (var i = 0; i < value.Length && at + i < input.Count; i++)
                {
                    input[at + i] = value[i];
                }

                break;
            }

            case 12: // swap two bytes
            {
                int a = random.Next(input.Count), b = random.Next(input.Count);
                (input[a], input[b]) = (input[b], input[a]);
                break;
            }

            case 13: // replace a range with a token
            {
                var (start, length) = Range(input, random);
                input.RemoveRange(start, length);
                input.InsertRange(start, Token(random));
                break;
            }

            default: // insert an interesting byte
                input.Insert(random.Next(input.Count + 1), Interesting[random.Next(Interesting.Length)]);
                break;
        }
    }

    private static (int Start, int Length) Range(List<byte> input, Random random)
    {
        var start = random.Next(input.Count);
        return (start, 1 + random.Next(Math.Min(32, input.Count - start)));
    }

    private byte[] Token(Random random) =>
        _tokens.Count > 0 && random.Next(4) != 0 ? _tokens[random.Next(_tokens.Count)] : [Interesting[random.Next(Interesting.Length)]];

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static uint InterestingInteger(Random random) => random.Next(8) switch
    {
        0 => 0,
        1 => 1,
        2 => 0x7F,
        3 => 0xFFFF,
        4 => 0x7FFF_FFFF,
        5 => 0xFFFF_FFFF,
        6 => 0x8000_0000,
        _ => (uint)random.Next(),
    };

    private static void ReplaceNumber(List<byte> input, Random random)
    {
        var digits = new List<int>();
        for (var i = 0; i < input.Count; i++)
        {
            if (input[i] is >= (byte)'0' and <= (byte)'9' && (i == 0 || input[i - 1] is < (byte)'0' or > (byte)'9'))
            {
                digits.Add(i);
            }
        }

        if (digits.Count == 0)
        {
            return;
        }

        var start = digits[random.Next(digits.Count)];
        var end = start;
        while (end < input.Count && input[end] is >= (byte)'0' and <= (byte)'9')
        {
            end++;
        }

        string[] numbers = ["0", "1", "-1", "10", "11", "65535", "65536", "2147483647", "2147483648", "4294967296", "9007199254740993", "9223372036854775807", "9223372036854775808", "99999999999999999999999", "1e400", "0x10", "1.5", "NaN"];
        var replacement = random.Next(3) == 0 ? random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture) : numbers[random.Next(numbers.Length)];
        input.RemoveRange(start, end - start);
        input.InsertRange(start, Encoding.ASCII.GetBytes(replacement));
    }
}
