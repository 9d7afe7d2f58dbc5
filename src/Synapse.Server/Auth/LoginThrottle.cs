using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Synapse.Server.Auth;

/// <summary>
/// Counts failed logins per user name and per client address (in memory, per server) and locks a
/// key out for <see cref="LoginThrottleOptions.Lockout"/> once it reaches its limit within
/// <see cref="LoginThrottleOptions.Window"/>. A successful login clears the user name's count.
/// </summary>
public sealed class LoginThrottle
{
    private const int SweepThreshold = 10_000;
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly LoginThrottleOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the throttle.</summary>
    public LoginThrottle(IOptions<AuthOptions> options, TimeProvider time)
    {
        _options = options.Value.LoginThrottle;
        _time = time;
    }

    /// <summary>How long attempts for this user name or from this address are still refused; null when allowed.</summary>
    public TimeSpan? GetRetryAfter(string normalizedUserName, string address)
    {
        var now = _time.GetUtcNow();
        var user = Remaining(UserKey(normalizedUserName), now);
        var client = Remaining(AddressKey(address), now);
        return user is null ? client : client is null ? user : user > client ? user : client;
    }

    /// <summary>Counts a failed attempt.</summary>
    public void RecordFailure(string normalizedUserName, string address)
    {
        var now = _time.GetUtcNow();
        Count(UserKey(normalizedUserName), _options.MaxFailuresPerUser, now);
        Count(AddressKey(address), _options.MaxFailuresPerAddress, now);
        if (_counters.Count > SweepThreshold)
        {
            Sweep(now);
        }
    }

    /// <summary>Forgets the user name's failures after a successful login.</summary>
    public void RecordSuccess(string normalizedUserName) => _counters.TryRemove(UserKey(normalizedUserName), out _);

    private static string UserKey(string normalizedUserName) => "user:" + normalizedUserName;

    private static string AddressKey(string address) => "addr:" + address;

    private TimeSpan? Remaining(string key, DateTimeOffset now)
    {
        if (!_counters.TryGetValue(key, out var counter))
        {
            return null;
        }

        lock (counter)
        {
            return counter.LockedUntil is { } until && until > now ? until - now : null;
        }
    }

    private void Count(string key, int limit, DateTimeOffset now)
    {
        var counter = _counters.GetOrAdd(key, _ => new Counter { WindowStart = now });
        lock (counter)
        {
            if (now - counter.WindowStart > _options.Window)
            {
                counter.WindowStart = now;
                counter.Failures = 0;
            }

            counter.Failures++;
            if (counter.Failures >= limit)
            {
                counter.LockedUntil = now + _options.Lockout;
                counter.Failures = 0;
                counter.WindowStart = now;
            }
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, counter) in _counters)
        {
            bool stale;
            lock (counter)
            {
                stale = (counter.LockedUntil is null || counter.LockedUntil <= now) && now - counter.WindowStart > _options.Window;
            }

            if (stale)
            {
                _counters.TryRemove(key, out _);
            }
        }
    }

    private sealed class Counter
    {
        public DateTimeOffset WindowStart { get; set; }

        public int Failures { get; set; }

        public DateTimeOffset? LockedUntil { get; set; }
    }
}
