using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using TcpSocket = System.Net.Sockets.Socket;

namespace Synapse.SocketIO.Redis.Resp;

/// <summary>
/// One TCP connection to Redis speaking RESP2, pipelined: commands are queued without waiting
/// for earlier replies, written in batches (one flush for everything queued meanwhile) and their
/// replies matched in order. On a subscriber connection, pub/sub pushes (<c>message</c>,
/// <c>pmessage</c>, <c>smessage</c>) are handed to a callback instead. It does not reconnect:
/// when it breaks, every pending command fails and <see cref="Completion"/> ends
/// (<see cref="ResilientConnection"/> reconnects).
/// </summary>
internal sealed class RespConnection : IAsyncDisposable
{
    private const int FlushThreshold = 256 * 1024;

    private readonly TcpSocket _socket;
    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Func<RespPush, ValueTask>? _onPush;
    private readonly Channel<PendingCommand> _outgoing = Channel.CreateUnbounded<PendingCommand>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Queue<PendingCommand> _awaiting = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _maxBulkLength;
    private readonly NameCache _names = new();
    private Exception? _failure;

    private RespConnection(TcpSocket socket, Stream stream, Func<RespPush, ValueTask>? onPush, int maxBulkLength)
    {
        _socket = socket;
        _stream = stream;
        _onPush = onPush;
        _maxBulkLength = maxBulkLength;
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024));
    }

    /// <summary>Ends when the connection is closed or broken (never faults).</summary>
    public Task Completion => _completion.Task;

    /// <summary>Why the connection ended, once it has.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    public bool IsOpen => !_completion.Task.IsCompleted;

    /// <summary>How long the oldest command sent has been waiting for its reply (zero when none waits).</summary>
    public TimeSpan OldestPendingAge
    {
        get
        {
            lock (_awaiting)
            {
                return _awaiting.TryPeek(out var oldest) ? System.Diagnostics.Stopwatch.GetElapsedTime(oldest.SentAt) : TimeSpan.Zero;
            }
        }
    }

    /// <summary>
    /// Connects, authenticates and names the connection. <paramref name="onPush"/> makes it a
    /// subscriber connection: pub/sub messages go there, in order.
    /// </summary>
    public static async Task<RespConnection> ConnectAsync(RedisEndpoint endpoint, Func<RespPush, ValueTask>? onPush, CancellationToken cancellationToken, int maxBulkLength = RespParser.DefaultMaxBulkLength)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(endpoint.ConnectTimeout);
        var socket = new TcpSocket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        RespConnection? connection = null;
        try
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (endpoint.Ssl)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = endpoint.Host }, timeout.Token);
                stream = ssl;
            }

            connection = new RespConnection(socket, stream, onPush, maxBulkLength);
            connection.Start();
            if (endpoint.Password is not null)
            {
                var auth = endpoint.User is null
                    ? await connection.ExecuteAsync(["AUTH", endpoint.Password]).WaitAsync(timeout.Token)
                    : await connection.ExecuteAsync(["AUTH", endpoint.User, endpoint.Password]).WaitAsync(timeout.Token);
                if (auth.IsError)
                {
                    throw new RedisConnectionException($"Redis refused the credentials: {auth.Text}");
                }
            }

            if (endpoint.ClientName is not null)
            {
                // Informational only: an error (an old server, a forbidden command) is ignored.
                await connection.ExecuteAsync(["CLIENT", "SETNAME", endpoint.ClientName]).WaitAsync(timeout.Token);
            }

            return connection;
        }
        catch (Exception ex)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
            else
            {
                socket.Dispose();
            }

            if (ex is RedisConnectionException)
            {
                throw;
            }

            var reason = ex is OperationCanceledException && !cancellationToken.IsCancellationRequested ? "timed out" : ex.Message;
            throw new RedisConnectionException($"Could not connect to Redis at {endpoint}: {reason}", ex);
        }
    }

    /// <summary>Queues a command whose arguments are text (UTF-8).</summary>
    public Task<RespValue> ExecuteAsync(string[] args, int expectedReplies = 1)
    {
        var encoded = new ReadOnlyMemory<byte>[args.Length];
        for (var i = 0; i < args.Length; i++)
        {
            encoded[i] = Encoding.UTF8.GetBytes(args[i]);
        }

        return ExecuteAsync(encoded, expectedReplies);
    }

    /// <summary>
    /// Queues a command. The task completes with the reply (an error reply too: check
    /// <see cref="RespValue.IsError"/>), or fails with <see cref="RedisConnectionException"/> if
    /// the connection ends first. A command that expects several replies (SUBSCRIBE of N
    /// channels) completes with the last.
    /// </summary>
    public Task<RespValue> ExecuteAsync(ReadOnlyMemory<byte>[] args, int expectedReplies = 1)
    {
        var command = new PendingCommand(args, expectedReplies);
        if (!_outgoing.Writer.TryWrite(command))
        {
            throw new RedisConnectionException("The Redis connection is closed.", Failure);
        }

        return command.Completion.Task;
    }

    /// <summary>Closes the connection; pending commands fail.</summary>
    public void Abort(Exception? reason = null)
    {
        var error = reason ?? new RedisConnectionException("The Redis connection was closed.");
        if (Interlocked.CompareExchange(ref _failure, error, null) is not null)
        {
            return;
        }

        _outgoing.Writer.TryComplete();
        try
        {
            _shutdown.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        _socket.Dispose();
        var failure = error as RedisConnectionException ?? new RedisConnectionException("The Redis connection broke: " + error.Message, error);
        lock (_awaiting)
        {
            while (_awaiting.TryDequeue(out var pending))
            {
                pending.Completion.TrySetException(failure);
            }
        }

        while (_outgoing.Reader.TryRead(out var queued))
        {
            queued.Completion.TrySetException(failure);
        }

        _completion.TrySetResult();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Abort();
        await _stream.DisposeAsync();
        _shutdown.Dispose();
    }

    private void Start()
    {
        _ = WriteLoopAsync();
        _ = ReadLoopAsync();
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            var reader = _outgoing.Reader;
            while (await reader.WaitToReadAsync(_shutdown.Token))
            {
                while (reader.TryRead(out var command))
                {
                    Encode(_output, command.Args);
                    lock (_awaiting)
                    {
                        if (Failure is not null)
                        {
                            command.Completion.TrySetException(new RedisConnectionException("The Redis connection is closed.", Failure));
                            continue;
                        }

                        command.SentAt = System.Diagnostics.Stopwatch.GetTimestamp();
                        _awaiting.Enqueue(command);
                    }

                    if (_output.UnflushedBytes > FlushThreshold)
                    {
                        await _output.FlushAsync(_shutdown.Token);
                    }
                }

                var flush = await _output.FlushAsync(_shutdown.Token);
                if (flush.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            Abort(ex);
        }
    }

    private async Task ReadLoopAsync()
    {
        var batch = new List<(RespValue? Reply, RespPush Push)>();
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(_shutdown.Token);
                var buffer = result.Buffer;
                var consumed = Parse(buffer, batch);
                _input.AdvanceTo(consumed, buffer.End);
                foreach (var (reply, push) in batch)
                {
                    if (reply is null)
                    {
                        await _onPush!(push);
                    }
                    else
                    {
                        Dispatch(reply);
                    }
                }

                batch.Clear();
                if (result.IsCompleted)
                {
                    throw new RedisConnectionException("Redis closed the connection.");
                }
            }
        }
        catch (Exception ex)
        {
            Abort(ex);
        }
    }

    private SequencePosition Parse(ReadOnlySequence<byte> buffer, List<(RespValue? Reply, RespPush Push)> batch)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            // Pub/sub messages, the bulk of a subscriber's traffic, are read without intermediate objects.
            if (_onPush is not null)
            {
                var status = RespParser.TryReadPush(ref reader, out var push, _maxBulkLength, _names);
                if (status == RespParser.PushStatus.Push)
                {
                    batch.Add((null, push));
                    continue;
                }

                if (status == RespParser.PushStatus.Incomplete)
                {
                    break;
                }
            }

            if (!RespParser.TryRead(ref reader, out var value, _maxBulkLength))
            {
                break;
            }

            if (_onPush is not null && ToPush(value) is { } generic)
            {
                batch.Add((null, generic));
            }
            else
            {
                batch.Add((value, default));
            }
        }

        return reader.Position;
    }

    private void Dispatch(RespValue value)
    {
        PendingCommand? command;
        lock (_awaiting)
        {
            if (!_awaiting.TryPeek(out command))
            {
                // A reply nobody waits for (an unsolicited unsubscribe confirmation): nothing to do.
                return;
            }

            if (++command.RepliesSeen < command.ExpectedReplies && !value.IsError)
            {
                return;
            }

            _awaiting.Dequeue();
        }

        command.Completion.TrySetResult(value);
    }

    // A push in a form the fast path does not read (RESP3, say).
    private RespPush? ToPush(RespValue value)
    {
        if (value is not { Kind: RespKind.Array, Items.Length: >= 3 } || value.Items[0].Bytes is null)
        {
            return null;
        }

        var items = value.Items;
        if (items[0].IsString("pmessage"u8) && items.Length >= 4)
        {
            return new RespPush(SubscriptionKind.Pattern, _names.Get(items[1].Bytes), _names.Get(items[2].Bytes), items[3].Bytes ?? []);
        }

        if (items[0].IsString("message"u8) || items[0].IsString("smessage"u8))
        {
            var channel = _names.Get(items[1].Bytes);
            return new RespPush(items[0].IsString("message"u8) ? SubscriptionKind.Channel : SubscriptionKind.Shard, channel, channel, items[2].Bytes ?? []);
        }

        return null;
    }

    private static void Encode(PipeWriter output, ReadOnlyMemory<byte>[] args)
    {
        WriteHeader(output, (byte)'*', args.Length);
        foreach (var arg in args)
        {
            WriteHeader(output, (byte)'$', arg.Length);
            output.Write(arg.Span);
            output.Write("\r\n"u8);
        }
    }

    private static void WriteHeader(PipeWriter output, byte prefix, int value)
    {
        var span = output.GetSpan(16);
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out var written);
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        output.Advance(3 + written);
    }

    private sealed class PendingCommand(ReadOnlyMemory<byte>[] args, int expectedReplies)
    {
        public ReadOnlyMemory<byte>[] Args { get; } = args;

        public int ExpectedReplies { get; } = Math.Max(1, expectedReplies);

        public int RepliesSeen { get; set; }

        public long SentAt { get; set; }

        public TaskCompletionSource<RespValue> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
