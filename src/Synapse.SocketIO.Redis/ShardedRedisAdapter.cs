using Synapse.SocketIO.Adapters;
using Synapse.SocketIO.Redis.Resp;

namespace Synapse.SocketIO.Redis;

/// <summary>
/// The sharded Redis adapter (Redis 7 SPUBLISH/SSUBSCRIBE), wire-compatible with Node's
/// <c>createShardedAdapter</c> of <c>@socket.io/redis-adapter</c> 8.3 (socket.io-adapter's
/// <c>ClusterAdapter</c> messages): one envelope <c>{type, data, uid, nsp}</c>, JSON unless it
/// carries binary (then MessagePack), on <c>{prefix}#{nsp}#</c>, room channels
/// <c>{prefix}#{nsp}#{room}#</c> in the dynamic modes, and each node's response channel
/// <c>{prefix}#{nsp}#{uid}#</c>; nodes counted with <c>PUBSUB SHARDNUMSUB</c>.
/// </summary>
public sealed class ShardedRedisAdapter : RedisAdapterBase
{
    private const int BroadcastMessage = 3;
    private const int SocketsJoin = 4;
    private const int SocketsLeave = 5;
    private const int DisconnectSockets = 6;
    private const int FetchSockets = 7;
    private const int FetchSocketsResponse = 8;
    private const int ServerSideEmit = 9;
    private const int ServerSideEmitResponse = 10;
    private const int BroadcastClientCount = 11;
    private const int BroadcastAck = 12;

    private readonly string _channel;
    private readonly string _responseChannel;
    private readonly HashSet<string> _roomChannels = new(StringComparer.Ordinal);
    private Task _lastRoomSubscription = Task.CompletedTask;

    /// <summary>Creates the adapter of <paramref name="nsp"/> on the factory's connections.</summary>
    public ShardedRedisAdapter(Namespace nsp, RedisAdapterFactory factory)
        : base(nsp, factory, Wire.HexId())
    {
        _channel = factory.Options.Key + "#" + nsp.Name + "#";
        _responseChannel = _channel + Uid + "#";
        if (factory.Options.SubscriptionMode != ShardedSubscriptionMode.Static)
        {
            RoomCreated += UpdateRoomSubscription;
            RoomDeleted += UpdateRoomSubscription;
        }
    }

    /// <summary>The namespace channel, <c>{prefix}#{nsp}#</c>.</summary>
    public string Channel => _channel;

    /// <inheritdoc />
    public override void Broadcast(OutgoingPacket packet, BroadcastOptions options)
    {
        if (TryBroadcastRecoverable(packet, options, PublishBroadcast))
        {
            return;
        }

        if (!options.Flags.Local)
        {
            PublishBroadcast(packet, options);
        }

        base.Broadcast(packet, options);
    }

    private void PublishBroadcast(OutgoingPacket packet, BroadcastOptions options)
    {
        var data = new Dictionary<string, object?>
        {
            ["packet"] = Wire.WritePacket(packet, null),
            ["opts"] = Wire.WriteOptions(options, withFlags: true),
        };
        Publish(BroadcastMessage, data, BroadcastChannel(options));
    }

    /// <inheritdoc />
    public override void BroadcastWithAck(OutgoingPacket packet, BroadcastOptions options, Action<int> clientCountCallback, Action<SocketIOArguments> ack)
    {
        if (!options.Flags.Local)
        {
            var requestId = Wire.HexId();
            AddAckRequest(requestId, clientCountCallback, ack, options.Flags.Timeout ?? Options.RequestsTimeout);
            Publish(BroadcastMessage, new Dictionary<string, object?>
            {
                ["packet"] = Wire.WritePacket(packet with { Id = null }, null),
                ["requestId"] = requestId,
                ["opts"] = Wire.WriteOptions(options, withFlags: true),
            }, _channel);
        }

        base.BroadcastWithAck(packet, options, clientCountCallback, ack);
    }

    /// <inheritdoc />
    public override async Task AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        if (!options.Flags.Local)
        {
            await PublishAsync(SocketsJoin, new Dictionary<string, object?> { ["opts"] = Wire.WriteOptions(options, true), ["rooms"] = rooms.ToArray() }, _channel);
        }

        await base.AddSocketsAsync(options, rooms);
    }

    /// <inheritdoc />
    public override async Task DelSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        if (!options.Flags.Local)
        {
            await PublishAsync(SocketsLeave, new Dictionary<string, object?> { ["opts"] = Wire.WriteOptions(options, true), ["rooms"] = rooms.ToArray() }, _channel);
        }

        await base.DelSocketsAsync(options, rooms);
    }

    /// <inheritdoc />
    public override async Task DisconnectSocketsAsync(BroadcastOptions options, bool close)
    {
        if (!options.Flags.Local)
        {
            await PublishAsync(DisconnectSockets, new Dictionary<string, object?> { ["opts"] = Wire.WriteOptions(options, true), ["close"] = close }, _channel);
        }

        await base.DisconnectSocketsAsync(options, close);
    }

    /// <inheritdoc />
    /// <remarks>Waits <c>flags.timeout</c>, else <see cref="RedisAdapterOptions.RequestsTimeout"/> (Node: 5 s).</remarks>
    public override async Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(BroadcastOptions options)
    {
        var local = await base.FetchSocketsAsync(options);
        if (options.Flags.Local)
        {
            return local;
        }

        var expected = await ServerCountAsync() - 1;
        if (expected <= 0)
        {
            return local;
        }

        var requestId = Wire.HexId();
        var request = AddRequest(requestId, FetchSockets, expected);
        request.Published = await PublishAsync(FetchSockets, new Dictionary<string, object?> { ["opts"] = Wire.WriteOptions(options, true), ["requestId"] = requestId }, _channel);
        var remote = await AwaitRequestAsync(requestId, request, options.Flags.Timeout ?? Options.RequestsTimeout, r => $"timeout reached: only {r.Received} responses received out of {r.Expected}");
        var sockets = new List<RemoteSocket>(local);
        foreach (var item in remote)
        {
            if (Wire.ReadSocket(Namespace, item) is { } socket)
            {
                sockets.Add(socket);
            }
        }

        return sockets;
    }

    /// <inheritdoc />
    public override Task ServerSideEmitAsync(object?[] packet) =>
        PublishAsync(ServerSideEmit, new Dictionary<string, object?> { ["packet"] = packet }, _channel);

    /// <inheritdoc />
    public override async Task<IReadOnlyList<SocketIOArguments>> ServerSideEmitWithAckAsync(object?[] packet, TimeSpan timeout)
    {
        var expected = await ServerCountAsync() - 1;
        if (expected <= 0)
        {
            return [];
        }

        var requestId = Wire.HexId();
        var request = AddRequest(requestId, ServerSideEmit, expected);
        request.Published = await PublishAsync(ServerSideEmit, new Dictionary<string, object?> { ["requestId"] = requestId, ["packet"] = packet }, _channel);
        try
        {
            var answers = await AwaitRequestAsync(requestId, request, timeout, r => $"timeout reached: only {r.Received} responses received out of {r.Expected}");
            return answers.Select(a => CreateArguments([a])).ToArray();
        }
        catch (TimeoutException ex)
        {
            List<object?> partial;
            lock (request)
            {
                partial = [.. request.Items];
            }

            throw new SocketIOAckTimeoutException(ex.Message, expected, partial.Count, partial.Select(a => CreateArguments([a])).ToArray());
        }
    }

    /// <summary>How many nodes serve this namespace: <c>PUBSUB SHARDNUMSUB</c> of the namespace channel.</summary>
    /// <exception cref="TimeoutException">Redis is unreachable.</exception>
    public override Task<int> ServerCountAsync() => Factory.SubscriberCountAsync(_channel);

    /// <summary>Completes when the room-channel subscriptions issued so far were answered (for tests).</summary>
    internal Task RoomSubscriptionsSettled
    {
        get
        {
            lock (_roomChannels)
            {
                return _lastRoomSubscription;
            }
        }
    }

    /// <inheritdoc />
    private protected override async Task SubscribeAllAsync()
    {
        await SubscribeAsync(SubscriptionKind.Shard, _channel, OnMessage);
        await SubscribeAsync(SubscriptionKind.Shard, _responseChannel, OnMessage);
    }

    // Node's computeChannel: a plain broadcast to exactly one room uses that room's channel in the
    // dynamic modes (not for a 20-character name in "dynamic": it may be a socket id).
    private string BroadcastChannel(BroadcastOptions options)
    {
        if (options.Rooms.Count != 1)
        {
            return _channel;
        }

        var room = options.Rooms.First();
        return Options.SubscriptionMode switch
        {
            ShardedSubscriptionMode.DynamicPrivate => _channel + room + "#",
            ShardedSubscriptionMode.Dynamic when room.Length != 20 => _channel + room + "#",
            _ => _channel,
        };
    }

    private void UpdateRoomSubscription(string room)
    {
        if (IsDisposed)
        {
            return;
        }

        var channel = _channel + room + "#";
        lock (_roomChannels)
        {
            var wanted = HasRoom(room) && (Options.SubscriptionMode == ShardedSubscriptionMode.DynamicPrivate || SocketRooms(room) is null);
            if (wanted && _roomChannels.Add(channel))
            {
                _lastRoomSubscription = SubscribeAsync(SubscriptionKind.Shard, channel, OnMessage);
            }
            else if (!wanted && _roomChannels.Remove(channel))
            {
                _lastRoomSubscription = UnsubscribeAsync(SubscriptionKind.Shard, channel);
            }
        }
    }

    private void Publish(int type, Dictionary<string, object?> data, string channel) => _ = PublishAsync(type, data, channel);

    private Task<bool> PublishAsync(int type, Dictionary<string, object?> data, string channel) =>
        Factory.PublishAsync(channel, Encode(type, data), "request");

    private void PublishResponse(string? requesterUid, int type, Dictionary<string, object?> data)
    {
        if (requesterUid is null)
        {
            return;
        }

        _ = Factory.PublishAsync(_channel + requesterUid + "#", Encode(type, data), "response");
    }

    // {type, data, uid, nsp}: JSON, unless the data of a type that may carry binary does.
    private byte[] Encode(int type, Dictionary<string, object?> data)
    {
        var message = new Dictionary<string, object?>(4)
        {
            ["type"] = type,
            ["data"] = data,
            ["uid"] = Uid,
            ["nsp"] = Namespace.Name,
        };
        var json = Protocol.JavaScriptJson.Stringify(message, SerializerOptions, out var containsBinary);
        var mayContainBinary = type is BroadcastMessage or BroadcastAck or FetchSocketsResponse or ServerSideEmit or ServerSideEmitResponse;
        return mayContainBinary && containsBinary ? EncodeMessagePack(message) : json;
    }

    private void OnMessage(RedisPubSubMessage raw)
    {
        if (Wire.DecodeMap(raw.Payload) is not { } message)
        {
            Dropped(raw.Channel, "undecodable message");
            return;
        }

        var type = message.Integer("type");
        var data = message.Map("data");
        if (raw.Channel == _responseChannel || type is FetchSocketsResponse or ServerSideEmitResponse or BroadcastClientCount or BroadcastAck)
        {
            if (raw.Channel == _responseChannel || (message.String("uid") != Uid && message.String("nsp") == Namespace.Name))
            {
                OnResponse(type, data);
            }

            return;
        }

        var uid = message.String("uid");
        if (uid == Uid || message.String("nsp") != Namespace.Name || data is null)
        {
            return;
        }

        switch (type)
        {
            case BroadcastMessage:
                if (Wire.ReadPacket(data.Map("packet"), Namespace.Name) is not { } packet)
                {
                    return;
                }

                var options = Wire.ReadOptions(data.Map("opts"));
                if (data.String("requestId") is not { } requestId)
                {
                    ObserveRemote(packet, options);
                    base.Broadcast(packet, options);
                    return;
                }

                base.BroadcastWithAck(
                    packet,
                    options,
                    count => PublishResponse(uid, BroadcastClientCount, new Dictionary<string, object?> { ["requestId"] = requestId, ["clientCount"] = count }),
                    ack =>
                    {
                        var body = new Dictionary<string, object?> { ["requestId"] = requestId };
                        if (TryGetFirst(ack.ToObjects(), out var first))
                        {
                            body["packet"] = first;
                        }

                        PublishResponse(uid, BroadcastAck, body);
                    });
                break;
            case SocketsJoin:
                _ = base.AddSocketsAsync(Wire.ReadOptions(data.Map("opts")) with { Flags = BroadcastFlags.None }, Wire.Rooms(data.Array("rooms")));
                break;
            case SocketsLeave:
                _ = base.DelSocketsAsync(Wire.ReadOptions(data.Map("opts")) with { Flags = BroadcastFlags.None }, Wire.Rooms(data.Array("rooms")));
                break;
            case DisconnectSockets:
                _ = base.DisconnectSocketsAsync(Wire.ReadOptions(data.Map("opts")) with { Flags = BroadcastFlags.None }, data.Boolean("close") ?? false);
                break;
            case FetchSockets:
                _ = AnswerFetchAsync(uid, data);
                break;
            case ServerSideEmit:
                if (data.Array("packet") is not { Length: > 0 } sse || sse[0] is not string eventName)
                {
                    return;
                }

                if (data.String("requestId") is not { } sseRequestId)
                {
                    Namespace.OnServerSideEvent(eventName, ServerSideArguments(sse));
                    return;
                }

                Namespace.OnServerSideEvent(eventName, ServerSideArguments(sse), Once(args =>
                {
                    var body = new Dictionary<string, object?> { ["requestId"] = sseRequestId };
                    if (TryGetFirst(args, out var first))
                    {
                        body["packet"] = first;
                    }

                    PublishResponse(uid, ServerSideEmitResponse, body);
                }));
                break;
        }
    }

    private async Task AnswerFetchAsync(string? requesterUid, Dictionary<string, object?> data)
    {
        var sockets = await base.FetchSocketsAsync(Wire.ReadOptions(data.Map("opts")) with { Flags = BroadcastFlags.None });
        PublishResponse(requesterUid, FetchSocketsResponse, new Dictionary<string, object?>
        {
            ["requestId"] = data.String("requestId"),
            ["sockets"] = sockets.Select(Wire.WriteSocket).ToArray(),
        });
    }

    private void OnResponse(long? type, Dictionary<string, object?>? data)
    {
        if (data is null)
        {
            return;
        }

        var requestId = data.String("requestId");
        switch (type)
        {
            case BroadcastClientCount:
            case BroadcastAck:
                OnAckResponse(requestId, type == BroadcastClientCount, data);
                return;
            case FetchSocketsResponse:
            case ServerSideEmitResponse:
                if (FindRequest(requestId) is not { } request)
                {
                    return;
                }

                lock (request)
                {
                    request.Received++;
                    if (type == FetchSocketsResponse)
                    {
                        request.Items.AddRange(data.Array("sockets") ?? []);
                    }
                    else
                    {
                        request.Items.Add(data.GetValueOrDefault("packet"));
                    }

                    if (request.Received == request.Expected)
                    {
                        request.Completion.TrySetResult(request.Items);
                    }
                }

                return;
        }
    }
}
