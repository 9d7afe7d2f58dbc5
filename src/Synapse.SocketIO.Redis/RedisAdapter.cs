using System.Text;
using Synapse.SocketIO.Adapters;
using Synapse.SocketIO.Redis.Resp;

namespace Synapse.SocketIO.Redis;

/// <summary>
/// The classic Redis adapter, wire-compatible with Node's <c>@socket.io/redis-adapter</c> 8.3
/// <c>createAdapter</c> (and its emitter): broadcasts as MessagePack on <c>{key}#{nsp}#[room#]</c>
/// (pattern-subscribed), requests and responses on <c>{key}-request#{nsp}#</c> and
/// <c>{key}-response#{nsp}#[uid#]</c>, nodes counted with <c>PUBSUB NUMSUB</c> of the request channel.
/// </summary>
/// <remarks>
/// One deliberate difference: SocketsJoin/SocketsLeave/DisconnectSockets are applied to this
/// node's sockets before they are published (Node applies them when its own request comes back
/// from Redis), so a join followed at once by an emit reaches local sockets too; other nodes
/// cannot tell the difference.
/// </remarks>
public sealed class RedisAdapter : RedisAdapterBase
{
    private const int Sockets = 0;
    private const int AllRooms = 1;
    private const int RemoteJoin = 2;
    private const int RemoteLeave = 3;
    private const int RemoteDisconnect = 4;
    private const int RemoteFetch = 5;
    private const int ServerSideEmit = 6;
    private const int BroadcastRequest = 7;
    private const int BroadcastClientCount = 8;
    private const int BroadcastAck = 9;

    private readonly string _channel;
    private readonly string _requestChannel;
    private readonly string _responseChannel;
    private readonly string _specificResponseChannel;

    /// <summary>Creates the adapter of <paramref name="nsp"/> on the factory's connections.</summary>
    public RedisAdapter(Namespace nsp, RedisAdapterFactory factory)
        : base(nsp, factory, Wire.UrlSafeId(6))
    {
        var key = factory.Options.Key;
        _channel = key + "#" + nsp.Name + "#";
        _requestChannel = key + "-request#" + nsp.Name + "#";
        _responseChannel = key + "-response#" + nsp.Name + "#";
        _specificResponseChannel = _responseChannel + Uid + "#";
    }

    /// <summary>The broadcast channel prefix, <c>{key}#{nsp}#</c>.</summary>
    public string Channel => _channel;

    /// <summary>The request channel, <c>{key}-request#{nsp}#</c>.</summary>
    public string RequestChannel => _requestChannel;

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
        var message = EncodeMessagePack(new object?[] { Uid, Wire.WritePacket(packet, Namespace.Name), Wire.WriteOptions(options, withFlags: true) });
        var channel = options.Rooms.Count == 1 ? _channel + options.Rooms.First() + "#" : _channel;
        _ = Factory.PublishAsync(channel, message, "broadcast");
    }

    /// <inheritdoc />
    public override void BroadcastWithAck(OutgoingPacket packet, BroadcastOptions options, Action<int> clientCountCallback, Action<SocketIOArguments> ack)
    {
        if (!options.Flags.Local)
        {
            var requestId = Wire.UrlSafeId(16);
            var request = EncodeMessagePack(new Dictionary<string, object?>
            {
                ["uid"] = Uid,
                ["requestId"] = requestId,
                ["type"] = BroadcastRequest,
                ["packet"] = Wire.WritePacket(packet with { Id = null }, Namespace.Name),
                ["opts"] = Wire.WriteOptions(options, withFlags: true),
            });
            // Node forgets the request after flags.timeout; without a timeout, after requestsTimeout.
            AddAckRequest(requestId, clientCountCallback, ack, options.Flags.Timeout ?? Options.RequestsTimeout);
            _ = Factory.PublishAsync(_requestChannel, request, "request");
        }

        base.BroadcastWithAck(packet, options, clientCountCallback, ack);
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(BroadcastOptions options)
    {
        var local = await base.FetchSocketsAsync(options);
        if (options.Flags.Local)
        {
            return local;
        }

        var numSub = await ServerCountAsync();
        if (numSub <= 1)
        {
            return local;
        }

        var requestId = Wire.UrlSafeId(16);
        var request = AddRequest(requestId, RemoteFetch, numSub);
        request.Received = 1;
        request.Published = await Factory.PublishAsync(_requestChannel, EncodeJson(new Dictionary<string, object?>
        {
            ["uid"] = Uid,
            ["requestId"] = requestId,
            ["type"] = RemoteFetch,
            ["opts"] = Wire.WriteOptions(options, withFlags: false),
        }), "request");
        var remote = await AwaitRequestAsync(requestId, request, Options.RequestsTimeout, _ => "timeout reached while waiting for fetchSockets response");
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
    public override async Task AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        await base.AddSocketsAsync(options, rooms);
        if (!options.Flags.Local)
        {
            await PublishRequestAsync(RemoteJoin, options, "rooms", rooms.ToArray());
        }
    }

    /// <inheritdoc />
    public override async Task DelSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        await base.DelSocketsAsync(options, rooms);
        if (!options.Flags.Local)
        {
            await PublishRequestAsync(RemoteLeave, options, "rooms", rooms.ToArray());
        }
    }

    /// <inheritdoc />
    public override async Task DisconnectSocketsAsync(BroadcastOptions options, bool close)
    {
        await base.DisconnectSocketsAsync(options, close);
        if (!options.Flags.Local)
        {
            await PublishRequestAsync(RemoteDisconnect, options, "close", close);
        }
    }

    /// <inheritdoc />
    public override async Task ServerSideEmitAsync(object?[] packet)
    {
        await Factory.PublishAsync(_requestChannel, EncodeJson(new Dictionary<string, object?>
        {
            ["uid"] = Uid,
            ["type"] = ServerSideEmit,
            ["data"] = packet,
        }), "request");
    }

    /// <inheritdoc />
    /// <remarks>
    /// Waits for one answer from every other node (<c>PUBSUB NUMSUB</c> − 1) for at most
    /// <paramref name="timeout"/>; then fails with a <see cref="SocketIOAckTimeoutException"/>
    /// ("timeout reached: only X responses received out of Y") that holds the answers received.
    /// </remarks>
    public override async Task<IReadOnlyList<SocketIOArguments>> ServerSideEmitWithAckAsync(object?[] packet, TimeSpan timeout)
    {
        var expected = await ServerCountAsync() - 1;
        if (expected <= 0)
        {
            return [];
        }

        var requestId = Wire.UrlSafeId(16);
        var request = AddRequest(requestId, ServerSideEmit, expected);
        request.Published = await Factory.PublishAsync(_requestChannel, EncodeJson(new Dictionary<string, object?>
        {
            ["uid"] = Uid,
            ["requestId"] = requestId,
            ["type"] = ServerSideEmit,
            ["data"] = packet,
        }), "request");
        try
        {
            var answers = await AwaitRequestAsync(requestId, request, timeout, r => $"timeout reached: only {r.Items.Count} responses received out of {r.Expected}");
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

    /// <summary>How many nodes serve this namespace: <c>PUBSUB NUMSUB</c> of the request channel.</summary>
    /// <exception cref="TimeoutException">Redis is unreachable.</exception>
    public override Task<int> ServerCountAsync() => Factory.SubscriberCountAsync(_requestChannel);

    /// <summary>Every room of the namespace, on every node (Node's <c>adapter.allRooms()</c>, request type 1).</summary>
    /// <exception cref="TimeoutException">A node did not answer within <see cref="RedisAdapterOptions.RequestsTimeout"/>.</exception>
    public async Task<IReadOnlySet<string>> AllRoomsAsync()
    {
        var rooms = new HashSet<string>(GetRooms().Keys, StringComparer.Ordinal);
        var numSub = await ServerCountAsync();
        if (numSub <= 1)
        {
            return rooms;
        }

        var requestId = Wire.UrlSafeId(16);
        var request = AddRequest(requestId, AllRooms, numSub);
        request.Received = 1;
        request.Published = await Factory.PublishAsync(_requestChannel, EncodeJson(new Dictionary<string, object?>
        {
            ["uid"] = Uid,
            ["requestId"] = requestId,
            ["type"] = AllRooms,
        }), "request");
        rooms.UnionWith(Wire.Rooms([.. await AwaitRequestAsync(requestId, request, Options.RequestsTimeout, _ => "timeout reached while waiting for allRooms response")]));
        return rooms;
    }

    /// <summary>
    /// The ids of the sockets in <paramref name="rooms"/> (all when empty) on every node, with the
    /// legacy SOCKETS request (type 0) that Node 8 still answers. <c>AllSocketsAsync</c> stays
    /// local, as in Node 8.
    /// </summary>
    public async Task<IReadOnlySet<string>> ClusterSocketIdsAsync(IReadOnlySet<string> rooms)
    {
        var ids = new HashSet<string>(await base.SocketsAsync(rooms), StringComparer.Ordinal);
        var numSub = await ServerCountAsync();
        if (numSub <= 1)
        {
            return ids;
        }

        var requestId = Wire.UrlSafeId(16);
        var request = AddRequest(requestId, Sockets, numSub);
        request.Received = 1;
        request.Published = await Factory.PublishAsync(_requestChannel, EncodeJson(new Dictionary<string, object?>
        {
            ["uid"] = Uid,
            ["requestId"] = requestId,
            ["type"] = Sockets,
            ["rooms"] = rooms.ToArray(),
        }), "request");
        ids.UnionWith(Wire.Rooms([.. await AwaitRequestAsync(requestId, request, Options.RequestsTimeout, _ => "timeout reached while waiting for sockets response")]));
        return ids;
    }

    /// <inheritdoc />
    private protected override async Task SubscribeAllAsync()
    {
        await SubscribeAsync(SubscriptionKind.Pattern, EscapePattern(_channel) + "*", OnBroadcastMessage);
        await SubscribeAsync(SubscriptionKind.Channel, _requestChannel, OnRequestMessage);
        await SubscribeAsync(SubscriptionKind.Channel, _responseChannel, OnResponseMessage);
        await SubscribeAsync(SubscriptionKind.Channel, _specificResponseChannel, OnResponseMessage);
    }

    // Glob characters in the key or the namespace name match literally (Node does not escape them).
    private static string EscapePattern(string text)
    {
        var builder = new StringBuilder(text.Length + 4);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private void OnBroadcastMessage(RedisPubSubMessage message)
    {
        var channel = message.Channel;
        if (!channel.StartsWith(_channel, StringComparison.Ordinal))
        {
            return;
        }

        // The room is what lies between the prefix and the last '#' ('#' may occur in room names).
        var room = channel.Length > _channel.Length ? channel[_channel.Length..^1] : string.Empty;
        if (room.Length > 0 && !HasRoom(room))
        {
            return;
        }

        object? decoded;
        try
        {
            decoded = Protocol.MessagePack.MessagePackSerializer.Deserialize(message.Payload, Wire.Decoding);
        }
        catch (Protocol.MessagePack.MessagePackException ex)
        {
            Dropped(channel, ex.Message);
            return;
        }

        if (decoded is not object?[] { Length: >= 3 } parts || parts[1] is not Dictionary<string, object?> packet || parts[2] is not Dictionary<string, object?> opts)
        {
            Dropped(channel, "not a [uid, packet, opts] array");
            return;
        }

        if (parts[0] is string uid && uid == Uid)
        {
            return;
        }

        var nsp = packet.String("nsp") ?? "/";
        if (nsp != Namespace.Name || Wire.ReadPacket(packet, nsp) is not { } outgoing)
        {
            return;
        }

        var options = Wire.ReadOptions(opts);
        ObserveRemote(outgoing, options);
        base.Broadcast(outgoing, options);
    }

    private void OnRequestMessage(RedisPubSubMessage message)
    {
        if (Wire.DecodeMap(message.Payload) is not { } request)
        {
            Dropped(message.Channel, "undecodable request");
            return;
        }

        var requestId = request.String("requestId");
        switch (request.Integer("type"))
        {
            case Sockets:
                if (HasRequest(requestId))
                {
                    return;
                }

                _ = AnswerSocketsAsync(request, requestId);
                break;
            case AllRooms:
                if (HasRequest(requestId))
                {
                    return;
                }

                PublishResponse(request, EncodeJson(new Dictionary<string, object?>
                {
                    ["requestId"] = requestId,
                    ["rooms"] = GetRooms().Keys.ToArray(),
                }));
                break;
            case RemoteJoin:
            case RemoteLeave:
            case RemoteDisconnect:
                OnRemoteOperation(request, requestId);
                break;
            case RemoteFetch:
                if (HasRequest(requestId) || request.Map("opts") is not { } fetchOptions)
                {
                    return;
                }

                _ = AnswerFetchAsync(request, requestId, fetchOptions);
                break;
            case ServerSideEmit:
                OnServerSideEmit(request, requestId);
                break;
            case BroadcastRequest:
                if (HasAckRequest(requestId) || requestId is null || Wire.ReadPacket(request.Map("packet"), Namespace.Name) is not { } packet)
                {
                    return;
                }

                base.BroadcastWithAck(
                    packet,
                    Wire.ReadOptions(request.Map("opts")),
                    count => PublishResponse(request, EncodeJson(new Dictionary<string, object?>
                    {
                        ["type"] = BroadcastClientCount,
                        ["requestId"] = requestId,
                        ["clientCount"] = count,
                    })),
                    ack =>
                    {
                        var response = new Dictionary<string, object?> { ["type"] = BroadcastAck, ["requestId"] = requestId };
                        if (TryGetFirst(ack.ToObjects(), out var first))
                        {
                            response["packet"] = first;
                        }

                        PublishResponse(request, EncodeMessagePack(response));
                    });
                break;
        }
    }

    private void OnRemoteOperation(Dictionary<string, object?> request, string? requestId)
    {
        var type = (int)request.Integer("type")!.Value;
        if (request.Map("opts") is { } wireOptions)
        {
            // This node applied its own request before publishing it.
            if (request.String("uid") == Uid)
            {
                return;
            }

            var options = Wire.ReadOptions(wireOptions) with { Flags = BroadcastFlags.None };
            _ = type switch
            {
                RemoteJoin => base.AddSocketsAsync(options, Wire.Rooms(request.Array("rooms"))),
                RemoteLeave => base.DelSocketsAsync(options, Wire.Rooms(request.Array("rooms"))),
                _ => base.DisconnectSocketsAsync(options, request.Boolean("close") ?? false),
            };
            return;
        }

        // The 7.x form, by socket id: only the node hosting the socket acts and answers.
        if (request.String("sid") is not { } sid || !Namespace.Sockets.TryGetValue(sid, out var socket))
        {
            return;
        }

        switch (type)
        {
            case RemoteJoin when Wire.RoomName(request.GetValueOrDefault("room")) is { } room:
                _ = socket.Join(room);
                break;
            case RemoteLeave when Wire.RoomName(request.GetValueOrDefault("room")) is { } room:
                _ = socket.Leave(room);
                break;
            case RemoteDisconnect:
                socket.Disconnect(request.Boolean("close") ?? false);
                break;
            default:
                return;
        }

        PublishResponse(request, EncodeJson(new Dictionary<string, object?> { ["requestId"] = requestId }));
    }

    private void OnServerSideEmit(Dictionary<string, object?> request, string? requestId)
    {
        if (request.String("uid") == Uid || request.Array("data") is not { Length: > 0 } data || data[0] is not string eventName)
        {
            return;
        }

        if (requestId is null)
        {
            Namespace.OnServerSideEvent(eventName, ServerSideArguments(data));
            return;
        }

        // Server-side acknowledgements always go to the shared response channel, as in Node.
        Namespace.OnServerSideEvent(eventName, ServerSideArguments(data), Once(args =>
        {
            var response = new Dictionary<string, object?> { ["type"] = ServerSideEmit, ["requestId"] = requestId };
            if (TryGetFirst(args, out var first))
            {
                response["data"] = first;
            }

            _ = Factory.PublishAsync(_responseChannel, EncodeJson(response), "response");
        }));
    }

    private async Task AnswerSocketsAsync(Dictionary<string, object?> request, string? requestId)
    {
        var ids = await base.SocketsAsync(Wire.Rooms(request.Array("rooms")));
        PublishResponse(request, EncodeJson(new Dictionary<string, object?>
        {
            ["requestId"] = requestId,
            ["sockets"] = ids.ToArray(),
        }));
    }

    private async Task AnswerFetchAsync(Dictionary<string, object?> request, string? requestId, Dictionary<string, object?> wireOptions)
    {
        var sockets = await base.FetchSocketsAsync(Wire.ReadOptions(wireOptions) with { Flags = BroadcastFlags.None });
        PublishResponse(request, EncodeJson(new Dictionary<string, object?>
        {
            ["requestId"] = requestId,
            ["sockets"] = sockets.Select(Wire.WriteSocket).ToArray(),
        }));
    }

    private void PublishResponse(Dictionary<string, object?> request, byte[] response)
    {
        var channel = Options.PublishOnSpecificResponseChannel
            ? _responseChannel + (request.String("uid") ?? "undefined") + "#"
            : _responseChannel;
        _ = Factory.PublishAsync(channel, response, "response");
    }

    private void OnResponseMessage(RedisPubSubMessage message)
    {
        if (Wire.DecodeMap(message.Payload) is not { } response)
        {
            Dropped(message.Channel, "undecodable response");
            return;
        }

        var requestId = response.String("requestId");
        var type = response.Integer("type");
        if (HasAckRequest(requestId))
        {
            if (type is BroadcastClientCount or BroadcastAck)
            {
                OnAckResponse(requestId, type == BroadcastClientCount, response);
            }

            return;
        }

        if (FindRequest(requestId) is not { } request)
        {
            return;
        }

        lock (request)
        {
            switch (request.Type)
            {
                case Sockets:
                case RemoteFetch:
                case AllRooms:
                    request.Received++;
                    var key = request.Type == AllRooms ? "rooms" : "sockets";
                    if (response.Array(key) is not { } items)
                    {
                        return;
                    }

                    request.Items.AddRange(items);
                    if (request.Received == request.Expected)
                    {
                        request.Completion.TrySetResult(request.Items);
                    }

                    break;
                case ServerSideEmit:
                    request.Items.Add(response.GetValueOrDefault("data"));
                    if (request.Items.Count == request.Expected)
                    {
                        request.Completion.TrySetResult(request.Items);
                    }

                    break;
            }
        }
    }

    private Task PublishRequestAsync(int type, BroadcastOptions options, string key, object value) =>
        Factory.PublishAsync(_requestChannel, EncodeJson(new Dictionary<string, object?>
        {
            ["uid"] = Uid,
            ["type"] = type,
            ["opts"] = Wire.WriteOptions(options, withFlags: false),
            [key] = value,
        }), "request");
}
