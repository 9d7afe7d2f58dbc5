using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Fuzz.Fuzzing;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>
/// The server target's server with WebSocket permessage-deflate on (RFC 7692; threshold 32 bytes,
/// so the server compresses too), fed generated sessions: upgrade requests with valid, invalid and
/// mutated <c>Sec-WebSocket-Extensions</c> offers, on fresh connections or upgrading a live
/// long-polling session; then messages compressed with or without context takeover, single or
/// fragmented (pings in between), some ending their DEFLATE stream with a final block, one at
/// exactly MaxHttpBufferSize, mixed with uncompressed ones; and faults: deflate bombs (a few KB
/// inflating to 1 byte past the limit up to 32 MB), data no inflater accepts, valid deflate of
/// invalid UTF-8, truncated/garbage/mutated deflate data, RSV1 on continuations and control frames,
/// RSV1 when the offer was declined, and byte damage anywhere in the frames.
/// Per input, besides the server target's checks (well-formed frames, compressed ones inflating to
/// valid UTF-8, no error logged): the answer to the offer is one RFC 7692 allows (and the expected
/// one for unmutated offers); the session ends as the generator predicted (the acknowledgements of
/// every valid message, in order, or a close with 1002/1007/1009 where the RFCs call for one); and the
/// whole process allocates no more than a constant plus a multiple of the input and of the limit,
/// so a bomb cannot allocate past the limit. Per batch, the server target's health checks and a
/// compressing <see cref="ClientWebSocket"/> that gets its acknowledgement.
/// </summary>
public sealed class DeflateServerTarget : FuzzTarget
{
    // ServerTarget's MaxHttpBufferSize.
    private const int Limit = 64 * 1024;
    private const int Rsv1 = 0x40;
    private static readonly byte[] SidPlaceholder = "{SID}"u8.ToArray();

    private static readonly (string? Offer, bool Accepted, bool NoClientContext)[] Offers =
    [
        (null, false, false),
        ("permessage-deflate", true, false),
        ("permessage-deflate; client_max_window_bits", true, false),
        ("permessage-deflate; client_no_context_takeover", true, true),
        ("permessage-deflate; server_no_context_takeover; client_max_window_bits=15", true, false),
        ("permessage-deflate; server_max_window_bits=15; client_max_window_bits=\"12\"", true, false),
        ("permessage-deflate; server_max_window_bits=10, permessage-deflate; client_no_context_takeover", true, true),
        ("x-webkit-deflate-frame, PerMessage-Deflate; Client_Max_Window_Bits", true, false),
        ("x-webkit-deflate-frame\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=8", true, false),
        ("permessage-deflate; server_max_window_bits=10", false, false),
        ("permessage-deflate; server_max_window_bits", false, false),
        ("permessage-deflate; client_max_window_bits=7", false, false),
        ("permessage-deflate; client_max_window_bits=016", false, false),
        ("permessage-deflate; client_no_context_takeover; client_no_context_takeover", false, false),
        ("permessage-deflate; server_no_context_takeover=1", false, false),
        ("permessage-deflate; mux", false, false),
        ("x-webkit-deflate-frame", false, false),
        ("", false, false),
    ];

    private static readonly long[] BombSizes = [Limit + 1, Limit + 1000, 1 << 20, 8 << 20, 32 << 20];

    private readonly ServerTarget _server = new(o => o.PerMessageDeflate = new EnginePerMessageDeflateOptions { Threshold = 32 });
    private readonly Mutator _offerMutator = new(
        Corpus.Utf8([.. Offers.Where(o => !string.IsNullOrEmpty(o.Offer) && !o.Offer.Contains('\r')).Select(o => o.Offer!)]),
        Corpus.Utf8("permessage-deflate", "; ", ";", ",", ", ", "=", "\"", "client_max_window_bits", "server_max_window_bits",
            "client_no_context_takeover", "server_no_context_takeover", "=15", "=8", "=0", "=16", " ", "\t"),
        512);

    private IReadOnlyList<byte[]>? _seeds;
    private long _maxAllocated;
    private bool _lastReset;
    private long _runs;

    /// <inheritdoc />
    public override string Name => "server-deflate";

    /// <inheritdoc />
    public override string Description => "the server with WebSocket permessage-deflate: mutated extension offers, compressed messages with and without context takeover, bombs, bad deflate data, misplaced RSV1";

    /// <inheritdoc />
    public override IReadOnlyList<byte[]> Seeds => _seeds ??= [.. Enumerable.Range(1, 6).Select(i => Generate(new Random(i), null!))];

    /// <inheritdoc />
    public override bool MeasuresAllocation => false;

    /// <inheritdoc />
    public override long? MaxAllocatedByOneInput => _maxAllocated;

    /// <inheritdoc />
    public override TimeSpan TimeBound => TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public override int BatchSize => 250;

    /// <inheritdoc />
    public override int MaxInputLength => 64 * 1024;

    /// <summary>
    /// The allocation allowed to one connection, in the whole process, whatever its input: Kestrel,
    /// the session and the client's own buffers (2 MB), and 16 times the largest message allowed
    /// (what one message may legitimately inflate to, then be decoded, answered and compressed).
    /// A bomb inflating to 8 or 32 MB would go far past it.
    /// </summary>
    public override long AllocationConstant => (2 << 20) + (16L * Limit);

    /// <summary>Per input byte: copies on both sides of the connection.</summary>
    public override long AllocationPerInputByte => 32;

    /// <inheritdoc />
    public override Task StartAsync() => _server.StartAsync();

    /// <inheritdoc />
    public override byte[] Generate(Random random, Mutator mutator)
    {
        var (offer, accepted, noClientContext) = Offers[random.Next(Offers.Length)];
        bool? expectAccepted = accepted;
        if (random.Next(6) == 0)
        {
            // A mutated offer: printable ASCII only (anything else Kestrel refuses before we see it); its answer is checked against the RFC only.
            offer = new string([.. Encoding.ASCII.GetString([.. _offerMutator.Next(random).Where(b => b is >= 0x20 and < 0x7F)])]);
            expectAccepted = null;
            noClientContext = false;
        }

        // Context takeover only where the server will not answer client_no_context_takeover; a fresh context per message is valid either way.
        using var compressor = new ClientCompressor(keepContext: !noClientContext && random.Next(3) != 0);
        var onSession = random.Next(4) == 0;
        var head = new StringBuilder($"GET /socket.io/?EIO=4&transport=websocket{(onSession ? "&sid={SID}" : "")} HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
            .Append("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
        if (offer is not null)
        {
            head.Append($"Sec-WebSocket-Extensions: {offer}\r\n");
        }

        var on = new DeflatePath();
        var off = new DeflatePath();
        var frames = new List<byte>();
        var session = new SessionWriter(random, compressor, frames, on, off);
        // Now and then a session without compression at all, so that a declined offer ends in acknowledgements too.
        session.Plain = random.Next(8) == 0;
        if (onSession)
        {
            session.Message("2probe", reply: null);
            session.Message("5", reply: null);
        }
        else
        {
            session.Message("40", reply: null);
        }

        for (var steps = random.Next(1, 7); steps > 0 && !(on.Ended && off.Ended); steps--)
        {
            session.Step();
        }

        var damaged = random.Next(8) == 0;
        var endsInAcks = !damaged && (!on.Ended || !off.Ended);
        if (!endsInAcks)
        {
            // Nothing to wait for: our close ends the connection at once (RunAsync sends it after the acknowledgements otherwise).
            WriteFrame(frames, random, 0x88, [0x03, 0xE8]);
        }

        if (damaged)
        {
            for (var i = random.Next(1, 4); i > 0; i--)
            {
                mutator?.Mutate(frames, random);
            }

            on.Damaged();
            off.Damaged();
        }

        var expectation = new DeflateExpectation(expectAccepted, compressor.KeepContext, on.Outcome, off.Outcome);
        head.Append(expectation.Header).Append("\r\n\r\n");
        return [.. Encoding.Latin1.GetBytes(head.ToString()), .. frames];
    }

    /// <summary>Writes a session's messages, keeping both paths' predictions.</summary>
    private sealed class SessionWriter(Random random, ClientCompressor compressor, List<byte> frames, DeflatePath on, DeflatePath off)
    {
        private int _ackId;
        private int _compressedSoFar;
        private bool _atLimitSent;

        public bool Plain { get; set; }

        /// <summary>A valid Engine.IO message, compressed unless the session is plain (or one time in four).</summary>
        public void Message(string text, string? reply)
        {
            var data = Encoding.UTF8.GetBytes(text);
            if (Plain || random.Next(4) == 0)
            {
                WriteMessage(0x1, data, compressed: false);
            }
            else
            {
                WriteMessage(0x1, compressor.Compress(data), compressed: true);
                off.Close(1002);
            }

            if (reply is not null)
            {
                on.Ack(reply);
                off.Ack(reply);
            }
        }

        public void Step()
        {
            if (Plain)
            {
                var (text, reply) = AckMessage();
                Message(text, reply);
                return;
            }

            switch (random.Next(20))
            {
                case < 6:
                {
                    var (text, reply) = AckMessage();
                    Message(text, reply);
                    break;
                }

                case 6:
                {
                    // A DEFLATE stream ended with a final block (RFC 7692 7.2.3.3): the next message starts another.
                    var (text, reply) = AckMessage();
                    Compressed(compressor.CompressFinal(Encoding.UTF8.GetBytes(text)));
                    on.Ack(reply);
                    break;
                }

                case 7 when !_atLimitSent:
                {
                    // Exactly MaxHttpBufferSize once inflated: accepted.
                    _atLimitSent = true;
                    var id = ++_ackId;
                    var prefix = $"42{id}[\"ack\",\"";
                    var fill = new string('a', Limit - prefix.Length - 2);
                    Compressed(compressor.Compress(Encoding.ASCII.GetBytes(prefix + fill + "\"]")));
                    on.Ack($"43{id}[\"{fill}\"]");
                    break;
                }

                case 8 or 9:
                {
                    // A bomb: a few bytes per kilobyte, inflating past the limit (by one byte, or by up to 32 MB).
                    var size = BombSizes[random.Next(BombSizes.Length)];
                    var zeros = random.Next(3) == 0;
                    Compressed(DeflateSamples.Bomb(size, zeros), zeros ? 0x2 : 0x1);
                    on.Close(1009);
                    break;
                }

                case 10 or 11:
                {
                    // Data no inflater accepts (the distance one only where nothing precedes it in the stream).
                    var tail = new byte[random.Next(0, 20)];
                    random.NextBytes(tail);
                    var kind = random.Next(_compressedSoFar == 0 && !compressor.KeepContext ? 3 : 2);
                    Compressed(kind switch
                    {
                        0 => DeflateSamples.ReservedBlockType(tail),
                        1 => DeflateSamples.BadStoredLengths(tail),
                        _ => DeflateSamples.DistanceTooFarBack(),
                    });
                    on.Close(1007);
                    break;
                }

                case 12:
                {
                    // Valid deflate of text that is not UTF-8.
                    Compressed(compressor.Compress([(byte)'4', (byte)'2', 0xC3, 0x28, (byte)'"']));
                    on.Close(1007);
                    break;
                }

                case 13 or 14:
                    MisplacedRsv1();
                    break;
                default:
                {
                    // Damaged deflate data: truncated, garbage, or mutated. Anything may follow (but only a proper close).
                    var (text, _) = AckMessage();
                    var data = compressor.Compress(Encoding.UTF8.GetBytes(text));
                    data = random.Next(3) switch
                    {
                        0 => data[..random.Next(data.Length)],
                        1 => RandomBytes(random.Next(1, 64)),
                        _ => Flip(data),
                    };
                    Compressed(data, random.Next(6) == 0 ? 0x2 : 0x1);
                    on.Unknown();
                    break;
                }
            }
        }

        private void MisplacedRsv1()
        {
            var (text, _) = AckMessage();
            var data = Encoding.UTF8.GetBytes(text);
            switch (random.Next(3))
            {
                case 0:
                {
                    // RSV1 on a continuation (RFC 7692 6.1: only a message's first frame carries it).
                    var compressed = random.Next(2) == 0;
                    var payload = compressed ? compressor.Compress(data) : data;
                    var cut = random.Next(payload.Length + 1);
                    WriteFrame(frames, random, (compressed ? Rsv1 : 0) | 0x1, payload[..cut]);
                    WriteFrame(frames, random, 0x80 | Rsv1, payload[cut..]);
                    break;
                }

                case 1:
                    // RSV1 on a control frame, alone or inside a fragmented message.
                    WriteFrame(frames, random, 0x80 | Rsv1 | (random.Next(2) == 0 ? 0x9 : 0xA), data[..Math.Min(data.Length, 100)]);
                    break;
                default:
                {
                    var payload = compressor.Compress(data);
                    var cut = random.Next(payload.Length + 1);
                    WriteFrame(frames, random, Rsv1 | 0x1, payload[..cut]);
                    WriteFrame(frames, random, 0x80 | Rsv1 | 0x9, "p"u8.ToArray());
                    WriteFrame(frames, random, 0x80, payload[cut..]);
                    break;
                }
            }

            on.Close(1002);
            off.Close(1002);
        }

        private (string Text, string Reply) AckMessage()
        {
            var id = ++_ackId;
            var length = random.Next(3) == 0 ? random.Next(500, 5000) : random.Next(0, 200);
            var unit = random.Next(2) == 0 ? "ab" : RandomText(random.Next(1, 40));
            var payload = new StringBuilder().Insert(0, unit, length / unit.Length + 1).ToString(0, length);
            return ($"42{id}[\"ack\",\"{payload}\"]", $"43{id}[\"{payload}\"]");
        }

        private string RandomText(int length)
        {
            const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-";
            return new string([.. Enumerable.Range(0, length).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);
        }

        /// <summary>A compressed message; the path without the extension ends at its RSV1.</summary>
        private void Compressed(byte[] data, int opcode = 0x1)
        {
            WriteMessage(opcode, data, compressed: true);
            off.Close(1002);
        }

        private void WriteMessage(int opcode, byte[] payload, bool compressed)
        {
            if (compressed)
            {
                _compressedSoFar++;
            }

            var rsv = compressed ? Rsv1 : 0;
            if (random.Next(4) != 0)
            {
                WriteFrame(frames, random, 0x80 | rsv | opcode, payload);
                return;
            }

            // Fragmented: RSV1 on the first frame only, now and then a ping in between.
            var pieces = random.Next(2, 5);
            var start = 0;
            for (var i = 0; i < pieces; i++)
            {
                var end = i == pieces - 1 ? payload.Length : random.Next(start, payload.Length + 1);
                WriteFrame(frames, random, (i == pieces - 1 ? 0x80 : 0) | (i == 0 ? rsv | opcode : 0), payload[start..end]);
                if (i < pieces - 1 && random.Next(4) == 0)
                {
                    WriteFrame(frames, random, 0x89, "mid"u8.ToArray());
                }

                start = end;
            }
        }

        private byte[] RandomBytes(int count)
        {
            var bytes = new byte[count];
            random.NextBytes(bytes);
            return bytes;
        }

        private byte[] Flip(byte[] data)
        {
            var copy = (byte[])data.Clone();
            for (var i = random.Next(1, 4); i > 0 && copy.Length > 0; i--)
            {
                copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
            }

            return copy;
        }
    }

    private static void WriteFrame(List<byte> stream, Random random, int first, byte[] payload)
    {
        stream.Add((byte)first);
        if (payload.Length < 126)
        {
            stream.Add((byte)(0x80 | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            stream.Add(0x80 | 126);
            stream.Add((byte)(payload.Length >> 8));
            stream.Add((byte)payload.Length);
        }
        else
        {
            stream.Add(0x80 | 127);
            for (var shift = 56; shift >= 0; shift -= 8)
            {
                stream.Add((byte)((long)payload.Length >> shift));
            }
        }

        var mask = new byte[4];
        random.NextBytes(mask);
        stream.AddRange(mask);
        for (var i = 0; i < payload.Length; i++)
        {
            stream.Add((byte)(payload[i] ^ mask[i & 3]));
        }
    }

    /// <inheritdoc />
    public override async ValueTask RunAsync(byte[] input, CancellationToken cancellationToken)
    {
        var expectation = DeflateExpectation.Find(input);
        var data = input;
        if (input.AsSpan().IndexOf(SidPlaceholder) >= 0)
        {
            var sid = Encoding.ASCII.GetBytes(await _server.OpenSessionAsync(cancellationToken));
            var at = input.AsSpan().IndexOf(SidPlaceholder);
            data = [.. input.AsSpan(0, at), .. sid, .. input.AsSpan(at + SidPlaceholder.Length)];
        }

        byte[] response;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        try
        {
            response = await ExchangeAsync(data, expectation, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new FuzzPropertyException($"the server neither answered nor closed the connection within {TimeBound.TotalSeconds:F0} s");
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        if (++_runs > Seeds.Count)
        {
            // Not the warm-up pass over the seeds (the first connection pays for JIT and the server's lazy state).
            _maxAllocated = Math.Max(_maxAllocated, allocated);
        }

        var bound = AllocationConstant + (AllocationPerInputByte * input.Length);
        if (allocated > bound)
        {
            throw new FuzzPropertyException($"allocation beyond the bound: {allocated:N0} B allocated for a {input.Length:N0}-byte input (bound {bound:N0} B)");
        }

        var frames = new List<ServerFrame>();
        ResponseChecker.Check(response, frames);
        if (expectation is not null)
        {
            Check(expectation, data, response, frames, _lastReset);
        }

        _server.Errors.ThrowIfAny("while handling this input (or one just before)");
    }

    private static void Check(DeflateExpectation expectation, byte[] request, byte[] response, List<ServerFrame> frames, bool reset)
    {
        var responseHead = HeadLines(response);
        if (responseHead.Length == 0 || !responseHead[0].StartsWith("HTTP/1.1 101 ", StringComparison.Ordinal))
        {
            throw new FuzzPropertyException($"the upgrade was not accepted: {(responseHead.Length == 0 ? "no answer" : responseHead[0])}");
        }

        var offers = HeaderValues(HeadLines(request), "Sec-WebSocket-Extensions");
        var answers = HeaderValues(responseHead, "Sec-WebSocket-Extensions");
        var answer = answers.Length == 0 ? null : string.Join(", ", answers);
        CheckAnswer(string.Join(", ", offers), answer);
        var negotiated = answer is not null;
        if (expectation.Accepted is { } accepted && accepted != negotiated)
        {
            throw new FuzzPropertyException($"offer answered wrongly: '{string.Join(" | ", offers)}' got {(answer is null ? "no extension" : $"'{answer}'")}");
        }

        var outcome = negotiated ? expectation.On : expectation.Off;
        if (negotiated && expectation.KeepContext && answer!.Contains("client_no_context_takeover", StringComparison.OrdinalIgnoreCase))
        {
            // The client kept its context where the server asked it not to (a mutated offer): what the server makes of it is open.
            outcome = "any";
        }

        var lastStatus = frames.Count > 0 ? frames[^1].CloseStatus : null;
        if (outcome.StartsWith("close:", StringComparison.Ordinal))
        {
            var status = int.Parse(outcome["close:".Length..], System.Globalization.CultureInfo.InvariantCulture);
            if (lastStatus != status)
            {
                throw new FuzzPropertyException($"wrong close: expected a close with {status} ({(negotiated ? "negotiated" : "not negotiated")}), got {Describe(frames)}{(reset ? ", then a reset" : "")}");
            }
        }
        else if (outcome.StartsWith("acks:", StringComparison.Ordinal))
        {
            var replies = Replies(frames);
            if (DeflateExpectation.Acks(replies) != outcome || lastStatus != 1000)
            {
                throw new FuzzPropertyException($"wrong acknowledgements: expected {outcome} then our close echoed ({(negotiated ? "negotiated" : "not negotiated")}), got {DeflateExpectation.Acks(replies)}, {Describe(frames)}{(reset ? ", then a reset" : "")}");
            }
        }
    }

    /// <summary>RFC 7692 7.1: what a server may answer to the offers it was given.</summary>
    private static void CheckAnswer(string offers, string? answer)
    {
        if (answer is null)
        {
            return;
        }

        var parts = answer.Split(';', StringSplitOptions.TrimEntries);
        if (!offers.Contains("permessage-deflate", StringComparison.OrdinalIgnoreCase) || !parts[0].Equals("permessage-deflate", StringComparison.OrdinalIgnoreCase))
        {
            throw new FuzzPropertyException($"offer answered wrongly: '{answer}' to '{offers}'");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in parts.Skip(1))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            var valid = pair[0].ToLowerInvariant() switch
            {
                "server_no_context_takeover" or "client_no_context_takeover" => pair.Length == 1,
                "server_max_window_bits" => pair.Length == 2 && int.TryParse(pair[1], out var bits) && bits is >= 8 and <= 15,
                // 7.1.2.2: only in answer to an offer that has it.
                "client_max_window_bits" => pair.Length == 2 && int.TryParse(pair[1], out var bits) && bits is >= 8 and <= 15
                    && offers.Contains("client_max_window_bits", StringComparison.OrdinalIgnoreCase),
                _ => false,
            };
            if (!valid || !seen.Add(pair[0]))
            {
                throw new FuzzPropertyException($"offer answered wrongly: parameter '{part}' in '{answer}' to '{offers}'");
            }
        }
    }

    private static List<string> Replies(List<ServerFrame> frames) =>
        [.. frames.Where(f => f.Opcode == 1).Select(f => f.Text).Where(t => t.StartsWith("43", StringComparison.Ordinal))];

    private static string Describe(List<ServerFrame> frames) =>
        frames.Count == 0 ? "no frame" : $"{frames.Count} frame(s), the last opcode {frames[^1].Opcode} ({(frames[^1].CloseStatus is { } s ? $"status {s}" : frames[^1].Text[..Math.Min(60, frames[^1].Text.Length)])})";

    private static string[] HeadLines(byte[] message)
    {
        var end = message.AsSpan().IndexOf("\r\n\r\n"u8);
        return end < 0 ? [] : Encoding.Latin1.GetString(message, 0, end).Split("\r\n");
    }

    private static string[] HeaderValues(string[] head, string name) =>
        [.. head.Skip(1).Where(h => h.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)).Select(h => h[(name.Length + 1)..].Trim())];

    /// <summary>
    /// Sends the input and reads until the server closes. A session that must end in acknowledgements
    /// gets our close once they are all in; the client ends its side of the connection only after
    /// a while (300 ms when nothing is expected, 8 s when a close is: the check then fails).
    /// </summary>
    private async Task<byte[]> ExchangeAsync(byte[] data, DeflateExpectation? expectation, CancellationToken cancellationToken)
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", _server.Port, cancellationToken);
        var stream = client.GetStream();
        var received = new Received();
        var arrived = new SemaphoreSlim(0);
        var reading = ReadToEndAsync(stream, received, arrived, cancellationToken);
        try
        {
            await stream.WriteAsync(data, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            // The server may refuse and close before everything was sent.
        }

        using var progress = new FrameProgress();
        var started = DateTime.UtcNow;
        var closeSent = false;
        var halfClosed = false;
        while (!reading.IsCompleted)
        {
            int? acksDue = null;
            var waitFor = TimeSpan.FromMilliseconds(300);
            lock (received)
            {
                progress.Advance(received.GetBuffer().AsSpan(0, (int)received.Length));
            }

            if (expectation is not null)
            {
                var outcome = progress.Negotiated is null ? null : progress.Negotiated.Value ? expectation.On : expectation.Off;
                acksDue = outcome is null ? null : DeflateExpectation.AckCount(outcome);
                if (outcome is null ? expectation.On != "any" || expectation.Off != "any" : outcome != "any")
                {
                    waitFor = TimeSpan.FromSeconds(8);
                }
            }

            if (!closeSent && acksDue is { } due && progress.Acks >= due)
            {
                // Our close, after which the server closes. Not a half-close as well: Kestrel takes the end
                // of the client's input for the end of the connection and may drop the server's close frame.
                closeSent = true;
                started = DateTime.UtcNow;
                var close = new List<byte>();
                WriteFrame(close, Random.Shared, 0x88, [0x03, 0xE8]);
                await SendQuietlyAsync(stream, [.. close], cancellationToken);
            }

            if (!halfClosed && DateTime.UtcNow - started >= waitFor)
            {
                halfClosed = true;
                try
                {
                    client.Client.Shutdown(SocketShutdown.Send);
                }
                catch (SocketException)
                {
                }
            }

            await Task.WhenAny(reading, arrived.WaitAsync(TimeSpan.FromMilliseconds(100), cancellationToken));
        }

        await reading;
        _lastReset = received.Reset;
        return received.ToArray();
    }

    private sealed class Received : MemoryStream
    {
        public bool Reset { get; set; }
    }

    private static async Task SendQuietlyAsync(NetworkStream stream, byte[] data, CancellationToken cancellationToken)
    {
        try
        {
            await stream.WriteAsync(data, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
        }
    }

    private static async Task ReadToEndAsync(NetworkStream stream, Received received, SemaphoreSlim arrived, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                lock (received)
                {
                    received.Write(buffer, 0, read);
                }

                arrived.Release();
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            // A reset after the server's answer is a close too.
            received.Reset = true;
        }
    }

    /// <summary>How far a response has come: whether the 101 negotiated the extension, and the acknowledgements so far (without inflating twice).</summary>
    private sealed class FrameProgress : IDisposable
    {
        private int _pos;
        private MessageInflater? _inflater;

        public bool? Negotiated { get; private set; }

        public int Acks { get; private set; }

        public void Advance(ReadOnlySpan<byte> data)
        {
            if (Negotiated is null)
            {
                var end = data.IndexOf("\r\n\r\n"u8);
                if (end < 0)
                {
                    return;
                }

                var head = HeaderValues(Encoding.Latin1.GetString(data[..end]).Split("\r\n"), "Sec-WebSocket-Extensions");
                Negotiated = head.Length > 0;
                _inflater = Negotiated.Value ? new MessageInflater(keepContext: false) : null;
                _pos = end + 4;
            }

            while (data.Length - _pos >= 2)
            {
                var b0 = data[_pos];
                long length = data[_pos + 1] & 0x7F;
                var header = 2;
                if (length == 126)
                {
                    if (data.Length - _pos < 4)
                    {
                        return;
                    }

                    length = BinaryPrimitives.ReadUInt16BigEndian(data[(_pos + 2)..]);
                    header = 4;
                }
                else if (length == 127)
                {
                    if (data.Length - _pos < 10)
                    {
                        return;
                    }

                    length = (long)BinaryPrimitives.ReadUInt64BigEndian(data[(_pos + 2)..]);
                    header = 10;
                }

                if (length < 0 || data.Length - _pos - header < length)
                {
                    return;
                }

                var payload = data.Slice(_pos + header, (int)length);
                _pos += header + (int)length;
                if ((b0 & 0x0F) == 1)
                {
                    var text = (b0 & Rsv1) != 0 ? _inflater?.Inflate(payload.ToArray(), 16 * 1024 * 1024) : payload.ToArray();
                    if (text is { Length: >= 2 } && text[0] == '4' && text[1] == '3')
                    {
                        Acks++;
                    }
                }
            }
        }

        public void Dispose() => _inflater?.Dispose();
    }

    /// <inheritdoc />
    public override async Task CheckHealthAsync()
    {
        await _server.CheckHealthAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await CompressedRoundTripAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new FuzzPropertyException("a well-behaved compressing client got no acknowledgement within 20 s");
        }
    }

    // A client of its own implementation (.NET's ClientWebSocket) compressing both ways.
    private async Task CompressedRoundTripAsync(CancellationToken cancellationToken)
    {
        using var ws = new ClientWebSocket();
        ws.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        ws.Options.CollectHttpResponseDetails = true;
        await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{_server.Port}/socket.io/?EIO=4&transport=websocket"), cancellationToken);
        if (ws.HttpResponseHeaders?.ContainsKey("Sec-WebSocket-Extensions") != true)
        {
            throw new FuzzPropertyException("the health check's compressing WebSocket was not answered permessage-deflate");
        }

        var payload = string.Concat(Enumerable.Repeat("compressed health check ", 200));
        await ReceiveUntilAsync(ws, "0{", cancellationToken);
        await ws.SendAsync("40"u8.ToArray(), WebSocketMessageType.Text, true, cancellationToken);
        await ReceiveUntilAsync(ws, "40{", cancellationToken);
        await ws.SendAsync(Encoding.UTF8.GetBytes($"421[\"ack\",\"{payload}\"]"), WebSocketMessageType.Text, true, cancellationToken);
        await ReceiveUntilAsync(ws, $"431[\"{payload}\"]", cancellationToken);
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
    }

    private static async Task ReceiveUntilAsync(ClientWebSocket ws, string prefix, CancellationToken cancellationToken)
    {
        var buffer = new byte[256 * 1024];
        while (true)
        {
            var count = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await ws.ReceiveAsync(buffer.AsMemory(count), cancellationToken);
                count += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new FuzzPropertyException($"the health check's compressing WebSocket was closed ({ws.CloseStatus}) while waiting for '{prefix[..Math.Min(20, prefix.Length)]}'");
            }

            var text = Encoding.UTF8.GetString(buffer, 0, count);
            if (text == "2")
            {
                await ws.SendAsync("3"u8.ToArray(), WebSocketMessageType.Text, true, cancellationToken);
            }

            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public override Task CheckAtEndAsync() => _server.CheckSessionsDrainAsync();

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await base.DisposeAsync();
    }
}
