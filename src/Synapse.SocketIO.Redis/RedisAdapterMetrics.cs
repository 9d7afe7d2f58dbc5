using System.Diagnostics.Metrics;

namespace Synapse.SocketIO.Redis;

/// <summary>
/// The adapter's instruments on the <c>Synapse.SocketIO.Redis</c> meter: what was published,
/// what could not be (Redis unreachable), what was received or dropped, requests that timed out,
/// reconnections, and whether the connections are up.
/// </summary>
public sealed class RedisAdapterMetrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Synapse.SocketIO.Redis";

    private readonly Meter _meter;
    private readonly Counter<long> _published;
    private readonly Counter<long> _publishFailed;
    private readonly Counter<long> _received;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _requestsTimedOut;
    private readonly Counter<long> _reconnections;
    private long _publishFailures;

    /// <summary>Creates the instruments; <paramref name="connected"/> reports 1 while both connections are up.</summary>
    public RedisAdapterMetrics(IMeterFactory? meterFactory, Func<int> connected)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _published = _meter.CreateCounter<long>("socketio.redis.messages.published", description: "Messages published to Redis (tag type: broadcast, request, response).");
        _publishFailed = _meter.CreateCounter<long>("socketio.redis.messages.publish_failed", description: "Messages that could not be published (Redis unreachable); tag type.");
        _received = _meter.CreateCounter<long>("socketio.redis.messages.received", description: "Messages received from Redis for this node's namespaces.");
        _dropped = _meter.CreateCounter<long>("socketio.redis.messages.dropped", description: "Received messages that could not be decoded.");
        _requestsTimedOut = _meter.CreateCounter<long>("socketio.redis.requests.timed_out", description: "Cluster requests that did not get every answer in time.");
        _reconnections = _meter.CreateCounter<long>("socketio.redis.reconnections", description: "Connections to Redis re-established after a loss.");
        _meter.CreateObservableGauge("socketio.redis.connected", connected, description: "1 while the publisher and subscriber connections are up.");
    }

    /// <summary>How many messages could not be published since the start.</summary>
    public long PublishFailures => Interlocked.Read(ref _publishFailures);

    internal void Published(string type) => _published.Add(1, new KeyValuePair<string, object?>("type", type));

    internal void PublishFailed(string type)
    {
        Interlocked.Increment(ref _publishFailures);
        _publishFailed.Add(1, new KeyValuePair<string, object?>("type", type));
    }

    internal void Received() => _received.Add(1);

    internal void Dropped() => _dropped.Add(1);

    internal void RequestTimedOut() => _requestsTimedOut.Add(1);

    internal void Reconnected() => _reconnections.Add(1);

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
