using System.Buffers;
using Synapse.SocketIO.Fuzz.Fuzzing;
using Synapse.SocketIO.Redis.Resp;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>
/// Bytes from a Redis connection through <see cref="RespParser"/>: replies and pub/sub pushes, the
/// input split into two segments at a point taken from its first byte (data arrives in pieces).
/// The documented error is <see cref="InvalidDataException"/>; incomplete data reads as "not yet".
/// </summary>
public sealed class RespTarget : SyncFuzzTarget
{
    /// <inheritdoc />
    public override string Name => "resp";

    /// <inheritdoc />
    public override string Description => "RESP2/RESP3 replies and pub/sub pushes through the Redis adapter's RespParser, split across segments";

    /// <inheritdoc />
    public override IReadOnlyList<byte[]> Seeds { get; } = Corpus.Utf8(
        "+OK\r\n", "-ERR unknown\r\n", ":1000\r\n", "$5\r\nhello\r\n", "$-1\r\n", "*2\r\n$3\r\nfoo\r\n:1\r\n", "*-1\r\n", "*0\r\n",
        "*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$5\r\nhello\r\n", "*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$4\r\nchan\r\n$2\r\nhi\r\n",
        "*3\r\n$8\r\nsmessage\r\n$4\r\nchan\r\n$0\r\n\r\n", "*3\r\n$9\r\nsubscribe\r\n$4\r\nchan\r\n:1\r\n",
        "%2\r\n+a\r\n:1\r\n+b\r\n_\r\n", "~1\r\n#t\r\n", ">2\r\n+x\r\n,1.5\r\n", "=5\r\ntxt:a\r\n", "!3\r\nerr\r\n", "(123456789012345678901\r\n",
        "*2\r\n*2\r\n*2\r\n:1\r\n:2\r\n:3\r\n:4\r\n");

    /// <inheritdoc />
    public override IReadOnlyList<byte[]> Tokens { get; } = Corpus.Utf8(
        "\r\n", "*", "$", "%", ">", "~", "=", "!", "_\r\n", "-1", "9223372036854775807", "4611686018427387904", "536870913", "*3\r\n$7\r\nmessage\r\n",
        "*4\r\n$8\r\npmessage\r\n", "*1\r\n*1\r\n*1\r\n*1\r\n");

    /// <inheritdoc />
    public override void Run(byte[] input)
    {
        var split = input.Length == 0 ? 0 : input[0] % (input.Length + 1);
        var sequence = Segments.Of(input.AsMemory(0, split), input.AsMemory(split));
        // A cache per input: a shared one grows (up to its 4,096 names) and charges the growth to whichever input resizes it.
        var names = new NameCache();
        ReadAll(sequence, pushes: false, names);
        ReadAll(sequence, pushes: true, names);
    }

    private static void ReadAll(ReadOnlySequence<byte> sequence, bool pushes, NameCache names)
    {
        var reader = new SequenceReader<byte>(sequence);
        try
        {
            while (!reader.End)
            {
                var before = reader.Consumed;
                if (pushes)
                {
                    var status = RespParser.TryReadPush(ref reader, out _, 1 << 20, names);
                    if (status == RespParser.PushStatus.Incomplete)
                    {
                        Unmoved(reader, before, "an incomplete push");
                        return;
                    }

                    if (status == RespParser.PushStatus.Push)
                    {
                        continue;
                    }

                    Unmoved(reader, before, "a reply that is not a push");
                }

                if (!RespParser.TryRead(ref reader, out _, 1 << 20))
                {
                    Unmoved(reader, before, "an incomplete reply");
                    return;
                }

                if (reader.Consumed == before)
                {
                    throw new FuzzPropertyException("a reply was read without consuming anything");
                }
            }
        }
        catch (InvalidDataException)
        {
        }
    }

    private static void Unmoved(SequenceReader<byte> reader, long before, string what)
    {
        if (reader.Consumed != before)
        {
            throw new FuzzPropertyException($"{what} consumed {reader.Consumed - before} byte(s)");
        }
    }

    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Of(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
        {
            var head = new Segments(first, 0);
            var tail = new Segments(second, first.Length);
            head.Next = tail;
            return new ReadOnlySequence<byte>(head, 0, tail, second.Length);
        }
    }
}
