using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Synapse.SocketIO.Adapters;
using Synapse.SocketIO.Redis.Resp;

namespace Synapse.SocketIO.Redis;

/// <summary>
/// Connection state recovery across the cluster. Node's pub/sub adapter cannot recover (pub/sub
/// keeps nothing); here, when recovery is on, every recoverable packet is also appended to a Redis
/// stream per namespace, <c>{key}-recovery#{nsp}#</c> (trimmed to
/// <see cref="ConnectionStateRecoveryOptions.MaxPackets"/> and to the recovery window), whose
/// entry id is the packet's offset; sessions are Redis keys <c>{key}-session#{nsp}#{pid}</c> with
/// an expiry. A client may then come back on any node. Everything on the pub/sub channels stays as
/// Node writes it (the offset is simply the event's last argument, as with Node's own recovery).
/// </summary>
public abstract partial class RedisAdapterBase
{
    private static readonly ReadOnlyMemory<byte> XAdd = "XADD"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> MaxLen = "MAXLEN"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Approximately = "~"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> AutoId = "*"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> PacketField = "p"u8.ToArray();

    // Sessions outlive their window in Redis by this much, so that the node that kept one can
    // still find it when its window ends and tell the application it expired.
    private static readonly TimeSpan SessionGrace = TimeSpan.FromSeconds(30);

    private readonly object _recoveryLock = new();
    private readonly ConcurrentDictionary<string, PersistedSession> _keptSessions = new(StringComparer.Ordinal);
    private Task _recoveryTail = Task.CompletedTask;
    private string _latestOffset = "0-0";
    private ITimer? _recoverySweeper;
    private int _sweeping;

    /// <inheritdoc />
    /// <remarks>The Redis adapters keep them in Redis, shared by the nodes.</remarks>
    protected override bool KeepsRecoveryStateInMemory => false;

    /// <summary>The stream of recoverable packets, <c>{key}-recovery#{nsp}#</c>.</summary>
    public string RecoveryStreamKey => Options.Key + "-recovery#" + Namespace.Name + "#";

    private bool RecoveryEnabled => RecoveryOptions is not null;

    /// <inheritdoc />
    /// <remarks>
    /// Asks the stream: this node does not hear of packets for rooms it has no member in. If Redis
    /// cannot answer, the newest offset this node saw.
    /// </remarks>
    public override async Task<string?> LatestOffsetAsync()
    {
        if (!RecoveryEnabled)
        {
            return null;
        }

        try
        {
            var info = await Factory.Publisher.ExecuteAsync("XINFO", "STREAM", RecoveryStreamKey);
            var items = info.Items ?? [];
            for (var i = 0; i + 1 < items.Length; i += 2)
            {
                if (items[i].IsString("last-generated-id"u8) && items[i + 1].Text is { } id)
                {
                    ObserveOffset(id);
                    return id;
                }
            }
        }
        catch (RedisServerException)
        {
            // No stream yet: nothing was logged.
        }
        catch (Exception ex) when (ex is RedisConnectionException or TimeoutException or ObjectDisposedException)
        {
            Log.RecoveryFailed(Logger, Namespace.Name, "reading the stream's last offset", ex);
        }

        return Volatile.Read(ref _latestOffset);
    }

    private string SessionKey(string pid) => Options.Key + "-session#" + Namespace.Name + "#" + pid;

    /// <summary>Starts the recovery bookkeeping: where the stream stands, and the sweeper.</summary>
    private protected async Task InitRecoveryAsync()
    {
        if (RecoveryOptions is not { } recovery)
        {
            return;
        }

        var period = TimeSpan.FromTicks(Math.Clamp(recovery.MaxDisconnectionDuration.Ticks / 10, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(5).Ticks));
        _recoverySweeper = TimeProvider.System.CreateTimer(static state => _ = ((RedisAdapterBase)state!).SweepAsync(), this, period, period);
        try
        {
            var last = await Factory.Publisher.ExecuteAsync("XREVRANGE", RecoveryStreamKey, "+", "-", "COUNT", "1");
            if (last is { Kind: RespKind.Array, Items: [{ Items: [{ Text: { } id }, ..] }, ..] })
            {
                ObserveOffset(id);
            }
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisServerException or TimeoutException)
        {
            Log.RecoveryFailed(Logger, Namespace.Name, "reading the packet stream", ex);
        }
    }

    private protected void DisposeRecovery() => _recoverySweeper?.Dispose();

    /// <summary>
    /// When recovery is on and the packet is recoverable, appends it to the stream and, once Redis
    /// gave its offset, publishes it (through <paramref name="publish"/>, unless local) and delivers
    /// it to this node's sockets, with the offset as last argument. Packets leave in the order they
    /// were broadcast. False when the packet is not for recovery (the caller broadcasts it as usual).
    /// </summary>
    private protected bool TryBroadcastRecoverable(OutgoingPacket packet, BroadcastOptions options, Action<OutgoingPacket, BroadcastOptions> publish)
    {
        if (RecoveryOptions is not { } recovery || !IsRecoverable(packet, options))
        {
            return false;
        }

        var entry = EncodeMessagePack(new Dictionary<string, object?>(2, StringComparer.Ordinal)
        {
            ["packet"] = Wire.WritePacket(packet, null),
            ["opts"] = Wire.WriteOptions(options, withFlags: false),
        });
        var key = Encoding.UTF8.GetBytes(RecoveryStreamKey);
        var maxLen = Encoding.ASCII.GetBytes(Math.Max(1, recovery.MaxPackets).ToString(CultureInfo.InvariantCulture));
        lock (_recoveryLock)
        {
            // The client pipelines: commands issued in this order get their ids in this order.
            Task<RespValue> added;
            try
            {
                added = Factory.Publisher.ExecuteAsync([XAdd, key, MaxLen, Approximately, maxLen, AutoId, PacketField, entry]);
            }
            catch (Exception ex)
            {
                added = Task.FromException<RespValue>(ex);
            }

            _recoveryTail = DeliverInOrderAsync(_recoveryTail, added, packet, options, publish);
        }

        return true;
    }

    private async Task DeliverInOrderAsync(Task previous, Task<RespValue> added, OutgoingPacket packet, BroadcastOptions options, Action<OutgoingPacket, BroadcastOptions> publish)
    {
        await previous.ConfigureAwait(false);
        string? offset = null;
        try
        {
            offset = (await added.ConfigureAwait(false)).Text;
        }
        catch (Exception ex)
        {
            // Redis is unreachable: the packet still goes out, it just cannot be recovered.
            Log.PacketNotLogged(Logger, Namespace.Name, ex.Message);
        }

        try
        {
            var outgoing = packet;
            if (offset is not null)
            {
                outgoing = packet with { Data = [.. packet.Data, offset] };
                ObserveOffset(offset);
            }

            if (!options.Flags.Local)
            {
                publish(outgoing, options);
            }

            BroadcastLocal(outgoing, options);
        }
        catch (Exception ex)
        {
            Log.RecoveryFailed(Logger, Namespace.Name, "delivering a packet", ex);
        }
    }

    /// <summary>Notes the offset of a recoverable packet another node broadcast.</summary>
    private protected void ObserveRemote(OutgoingPacket packet, BroadcastOptions options)
    {
        if (RecoveryEnabled && IsRecoverable(packet, options) && packet.Data.Length > 1 && packet.Data[^1] is string offset && RecoveryOffset.TryParse(offset, out _))
        {
            ObserveOffset(offset);
        }
    }

    private void ObserveOffset(string offset)
    {
        while (true)
        {
            var current = Volatile.Read(ref _latestOffset);
            if (RecoveryOffset.Compare(offset, current) <= 0 || Interlocked.CompareExchange(ref _latestOffset, offset, current) == current)
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public override async Task PersistSessionAsync(PersistedSession session)
    {
        if (RecoveryOptions is not { } recovery)
        {
            return;
        }

        var kept = session with { DisconnectedAt = DateTimeOffset.UtcNow };
        var payload = EncodeJson(new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["sid"] = kept.Sid,
            ["pid"] = kept.Pid,
            ["rooms"] = kept.Rooms.ToArray(),
            ["data"] = kept.Data,
            ["offset"] = kept.Offset,
            ["disconnectedAt"] = kept.DisconnectedAt.ToUnixTimeMilliseconds(),
        });
        var ttl = (long)(recovery.MaxDisconnectionDuration + SessionGrace).TotalMilliseconds;
        await Factory.Publisher.ExecuteAsync(
        [
            "SET"u8.ToArray(), Encoding.UTF8.GetBytes(SessionKey(kept.Pid)), payload,
            "PX"u8.ToArray(), Encoding.ASCII.GetBytes(ttl.ToString(CultureInfo.InvariantCulture)),
        ]);
        // Only to tell the application when it expires; the count is bounded like the in-memory store's.
        if (_keptSessions.Count < Math.Max(1, recovery.MaxSessions))
        {
            _keptSessions[kept.Pid] = kept;
        }
    }

    /// <inheritdoc />
    public override async Task<PersistedSession?> RestoreSessionAsync(string pid, string? offset)
    {
        if (RecoveryOptions is not { } recovery)
        {
            return null;
        }

        // GETDEL: a session is restored once, on whichever node the client reached.
        var reply = await Factory.Publisher.ExecuteAsync("GETDEL", SessionKey(pid));
        _keptSessions.TryRemove(pid, out _);
        if (reply.Bytes is null || ReadSession(reply.Bytes) is not { } session)
        {
            return null;
        }

        var effective = offset ?? session.Offset ?? "0-0";
        if (DateTimeOffset.UtcNow - session.DisconnectedAt > recovery.MaxDisconnectionDuration || !await IsKeptAsync(effective))
        {
            OnSessionExpired(session);
            return null;
        }

        return session with { Offset = effective };
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<OutgoingPacket>?> FetchMissedPacketsAsync(PersistedSession session)
    {
        if (!RecoveryEnabled || session.Offset is not { } offset || !await IsKeptAsync(offset))
        {
            return null;
        }

        var reply = await Factory.Publisher.ExecuteAsync("XRANGE", RecoveryStreamKey, "(" + offset, "+");
        var missed = new List<OutgoingPacket>();
        foreach (var entry in reply.Items ?? [])
        {
            if (entry is not { Items: [{ Text: { } id }, { Items: { } fields }] })
            {
                continue;
            }

            for (var i = 0; i + 1 < fields.Length; i += 2)
            {
                if (fields[i].IsString("p"u8)
                    && fields[i + 1].Bytes is { } bytes
                    && Wire.DecodeMap(bytes) is { } map
                    && Wire.ReadPacket(map.Map("packet"), Namespace.Name) is { } packet
                    && Reaches(Wire.ReadOptions(map.Map("opts")), session.Rooms))
                {
                    missed.Add(packet with { Data = [.. packet.Data, id] });
                }
            }
        }

        return missed;
    }

    /// <summary>
    /// Whether every packet after <paramref name="offset"/> is still in the stream: nothing after
    /// it was trimmed (XINFO's <c>max-deleted-entry-id</c>, Redis 7) and it is not in the future.
    /// </summary>
    private async Task<bool> IsKeptAsync(string offset)
    {
        if (!RecoveryOffset.TryParse(offset, out _))
        {
            return false;
        }

        RespValue info;
        try
        {
            info = await Factory.Publisher.ExecuteAsync("XINFO", "STREAM", RecoveryStreamKey);
        }
        catch (RedisServerException)
        {
            // No stream: nothing was logged (or all of it expired with the sessions): nothing missed.
            return true;
        }

        string? lastGenerated = null, maxDeleted = null;
        var items = info.Items ?? [];
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            if (items[i].IsString("last-generated-id"u8))
            {
                lastGenerated = items[i + 1].Text;
            }
            else if (items[i].IsString("max-deleted-entry-id"u8))
            {
                maxDeleted = items[i + 1].Text;
            }
        }

        return RecoveryOffset.Compare(maxDeleted ?? "0-0", offset) <= 0
            && (lastGenerated is null || RecoveryOffset.Compare(offset, lastGenerated) <= 0);
    }

    private PersistedSession? ReadSession(byte[] payload)
    {
        if (Wire.DecodeMap(payload) is not { } map || map.String("sid") is not { } sid || map.String("pid") is not { } pid)
        {
            return null;
        }

        var data = new ConcurrentDictionary<string, object?>(StringComparer.Ordinal);
        if (map.Map("data") is { } values)
        {
            foreach (var (name, value) in values)
            {
                data[name] = value;
            }
        }

        return new PersistedSession(sid, pid, Wire.Rooms(map.Array("rooms")), data)
        {
            Offset = map.String("offset"),
            DisconnectedAt = DateTimeOffset.FromUnixTimeMilliseconds(map.Integer("disconnectedAt") ?? 0),
        };
    }

    /// <summary>
    /// Ends this node's sessions whose window passed (those still in Redis were not recovered
    /// anywhere: the application is told) and trims the stream to the window.
    /// </summary>
    private async Task SweepAsync()
    {
        if (RecoveryOptions is not { } recovery || IsDisposed || Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var (pid, session) in _keptSessions)
            {
                if (now - session.DisconnectedAt <= recovery.MaxDisconnectionDuration || !_keptSessions.TryRemove(pid, out _))
                {
                    continue;
                }

                var reply = await Factory.Publisher.ExecuteAsync("GETDEL", SessionKey(pid));
                if (reply.Bytes is not null)
                {
                    OnSessionExpired(session);
                }
            }

            var minId = (now - recovery.MaxDisconnectionDuration).ToUnixTimeMilliseconds();
            await Factory.Publisher.ExecuteAsync("XTRIM", RecoveryStreamKey, "MINID", "~", minId.ToString(CultureInfo.InvariantCulture));
            var ttl = (long)(recovery.MaxDisconnectionDuration + SessionGrace).TotalMilliseconds;
            await Factory.Publisher.ExecuteAsync("PEXPIRE", RecoveryStreamKey, ttl.ToString(CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisServerException or TimeoutException or ObjectDisposedException)
        {
            Log.RecoveryFailed(Logger, Namespace.Name, "sweeping sessions", ex);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(33, LogLevel.Warning, "Connection state recovery of namespace {Namespace}: {What} failed.")]
        public static partial void RecoveryFailed(ILogger logger, string @namespace, string what, Exception exception);

        [LoggerMessage(34, LogLevel.Debug, "Connection state recovery of namespace {Namespace}: a packet could not be logged ({Reason}); it is sent without offset.")]
        public static partial void PacketNotLogged(ILogger logger, string @namespace, string reason);
    }
}
