using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Synapse.SocketIO.Engine;

/// <summary>
/// Counts handshakes per client address with a token bucket per address: it holds one second's
/// worth of attempts and refills at the limit per second. IPv6 addresses count per /64 network.
/// An address idle for a second has a full bucket again, so its entry is dropped: the table holds
/// only the addresses seen in the last second or two, whatever their number overall.
/// </summary>
internal sealed class ConnectionRateLimiter(int attemptsPerSecond)
{
    private readonly ConcurrentDictionary<UInt128, Bucket> _buckets = new();
    private long _nextSweep = Stopwatch.GetTimestamp() + Stopwatch.Frequency;

    public int Count => _buckets.Count;

    /// <summary>Takes one attempt for <paramref name="address"/>; false when its bucket is empty. No address, no limit.</summary>
    public bool TryAcquire(IPAddress? address)
    {
        if (address is null)
        {
            return true;
        }

        var now = Stopwatch.GetTimestamp();
        SweepIfDue(now);
        var bucket = _buckets.GetOrAdd(KeyOf(address), static (_, state) => new Bucket(state.Limit, state.Now), (Limit: attemptsPerSecond, Now: now));
        lock (bucket)
        {
            var elapsed = (double)(now - bucket.Updated) / Stopwatch.Frequency;
            bucket.Tokens = Math.Min(attemptsPerSecond, bucket.Tokens + elapsed * attemptsPerSecond);
            bucket.Updated = now;
            if (bucket.Tokens < 1)
            {
                return false;
            }

            bucket.Tokens -= 1;
            return true;
        }
    }

    /// <summary>IPv4 (mapped or not) by address, IPv6 by its /64 prefix; the two ranges cannot collide.</summary>
    internal static UInt128 KeyOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            // High half zero, low half non-zero.
            return (UInt128)(1UL << 32 | System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes[..written]));
        }

        // Low half zero.
        return (UInt128)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[..8]) << 64;
    }

    private void SweepIfDue(long now)
    {
        var due = Volatile.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + Stopwatch.Frequency, due) != due)
        {
            return;
        }

        foreach (var (key, bucket) in _buckets)
        {
            bool idle;
            lock (bucket)
            {
                idle = now - bucket.Updated >= Stopwatch.Frequency;
            }

            if (idle)
            {
                _buckets.TryRemove(new KeyValuePair<UInt128, Bucket>(key, bucket));
            }
        }
    }

    private sealed class Bucket(double tokens, long updated)
    {
        public double Tokens = tokens;
        public long Updated = updated;
    }
}
