namespace Synapse.Server.Storage.Postgres;

/// <summary>
/// A PostgreSQL advisory-lock key (the two-integer form, <c>pg_advisory_xact_lock(class, key)</c>).
/// The class keeps Synapse's locks apart from any other application's locks in the same database.
/// </summary>
/// <param name="Class">The kind of thing locked.</param>
/// <param name="Key">Which one.</param>
internal readonly record struct PostgresLock(int Class, int Key)
{
    // "SYN" followed by a kind number: arbitrary, but stable across releases (every server of a
    // cluster must agree on them).
    private const int Singletons = 0x53594E00;
    private const int RoomHistory = 0x53594E01;

    /// <summary>Held while migrations run, so that servers starting together apply each one once.</summary>
    public static PostgresLock Migrations { get; } = new(Singletons, 1);

    /// <summary>Held while an account is created, so that exactly one first account becomes administrator.</summary>
    public static PostgresLock UserCreation { get; } = new(Singletons, 2);

    /// <summary>
    /// Held while a message is inserted into the room. A message's <c>seq</c> (the history cursor) is
    /// drawn from a sequence before its transaction commits; holding this lock from before the draw
    /// until after the commit makes a room's commits happen in <c>seq</c> order, so a reader paging
    /// "after" a message can never skip one that commits later with a smaller seq. Collisions of the
    /// 32-bit hash only make two rooms wait for each other, never break anything.
    /// </summary>
    public static PostgresLock Room(string roomId) => new(RoomHistory, StableHash(roomId));

    /// <summary>FNV-1a over the UTF-16 code units: the same value in every process and on every node.</summary>
    private static int StableHash(string value)
    {
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return unchecked((int)hash);
    }
}
