using System.Collections.Concurrent;
using Synapse.SocketIO.Adapters;
using Synapse.SocketIO.Protocol;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>The bounds of the in-memory recovery store: packets by count, bytes and time; sessions by count and time.</summary>
public sealed class RecoveryStoreTests
{
    private static OutgoingPacket Packet(string text, string offset) => new(SocketIOPacketType.Event, "/", ["m", text, offset]);

    private static PersistedSession Session(string sid, string offset = "0", params string[] rooms) =>
        new(sid, "pid-" + sid, [sid, .. rooms], new Dictionary<string, object?>()) { Offset = offset };

    private static (InMemorySessionStore Store, ConcurrentQueue<PersistedSession> Expired) Create(Action<ConnectionStateRecoveryOptions>? configure = null)
    {
        var options = new ConnectionStateRecoveryOptions();
        configure?.Invoke(options);
        var expired = new ConcurrentQueue<PersistedSession>();
        return (new InMemorySessionStore(options, expired.Enqueue), expired);
    }

    private static void Log(InMemorySessionStore store, string text, long size = 10, params string[] rooms)
    {
        var offset = store.NextOffset();
        store.Add(offset, Packet(text, offset), new BroadcastOptions { Rooms = new HashSet<string>(rooms) }, size);
    }

    [Fact]
    public void Missed_packets_are_those_after_the_offset_that_reached_the_sessions_rooms()
    {
        var (store, _) = Create();
        using var _ = store;
        Log(store, "before");
        var offset = store.LatestOffset;
        Log(store, "all");
        Log(store, "news", 10, "news");
        Log(store, "other", 10, "other");
        store.Persist(Session("s1", offset, "news"));

        var session = store.Take("pid-s1", null);
        Assert.NotNull(session);
        Assert.Equal(["all", "news"], store.PacketsAfter(session)!.Select(p => (string)p.Data[1]!));
        Assert.Null(store.Take("pid-s1", null));
    }

    [Fact]
    public void The_log_keeps_at_most_MaxPackets_and_MaxPacketBytes_and_older_offsets_no_longer_recover()
    {
        var (store, expired) = Create(o =>
        {
            o.MaxPackets = 5;
            o.MaxPacketBytes = 100;
        });
        using var _ = store;
        for (var i = 0; i < 20; i++)
        {
            Log(store, $"p{i}");
        }

        Assert.Equal(5, store.PacketCount);
        Log(store, "big", 80);
        Assert.Equal(3, store.PacketCount); // 10 + 10 + 80 fit in 100 bytes

        store.Persist(Session("old", "3"));
        Assert.Null(store.Take("pid-old", null));
        Assert.Equal("old", Assert.Single(expired).Sid);

        store.Persist(Session("recent", store.LatestOffset));
        Assert.NotNull(store.Take("pid-recent", null));
    }

    [Fact]
    public async Task The_oldest_sessions_expire_beyond_MaxSessions_and_all_expire_after_the_window()
    {
        var (store, expired) = Create(o =>
        {
            o.MaxSessions = 2;
            o.MaxDisconnectionDuration = TimeSpan.FromMilliseconds(300);
        });
        using var _ = store;
        store.Persist(Session("s1"));
        store.Persist(Session("s2"));
        store.Persist(Session("s3"));
        Assert.Equal("s1", Assert.Single(expired).Sid);
        Assert.Equal(2, store.SessionCount);

        Log(store, "p");
        await Wait.UntilAsync(() => expired.Count == 3 && store.PacketCount == 0, TimeSpan.FromSeconds(10), "the window passed");
        Assert.Equal(["s1", "s2", "s3"], expired.Select(s => s.Sid));
        Assert.Null(store.Take("pid-s3", null));
    }
}
