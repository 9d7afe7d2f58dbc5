using Npgsql;
using NpgsqlTypes;
using Synapse.Server.Domain;

namespace Synapse.Server.Storage.Postgres;

/// <summary>
/// Small helpers that keep the SQL code readable: commands, typed parameters, row values. The
/// parameters are typed (not <c>AddWithValue</c>) because PostgreSQL must know a NULL's type
/// (<c>@pattern IS NULL</c> cannot be planned otherwise).
/// </summary>
internal static class PostgresExtensions
{
    /// <summary>A command with its SQL and, optionally, the transaction it runs in.</summary>
    public static NpgsqlCommand Sql(this NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null) =>
        new(sql, connection, transaction);

    /// <summary>Adds a text parameter (null becomes SQL NULL).</summary>
    public static NpgsqlCommand With(this NpgsqlCommand command, string name, string? value) =>
        command.Add(name, NpgsqlDbType.Text, value);

    /// <summary>Adds a text[] parameter, for <c>= ANY (@name)</c>.</summary>
    public static NpgsqlCommand With(this NpgsqlCommand command, string name, string[] values) =>
        command.Add(name, NpgsqlDbType.Array | NpgsqlDbType.Text, values);

    /// <summary>Adds an integer parameter.</summary>
    public static NpgsqlCommand With(this NpgsqlCommand command, string name, int value) =>
        command.Add(name, NpgsqlDbType.Integer, value);

    /// <summary>Adds a bigint parameter (null becomes SQL NULL).</summary>
    public static NpgsqlCommand With(this NpgsqlCommand command, string name, long? value) =>
        command.Add(name, NpgsqlDbType.Bigint, value);

    /// <summary>Adds a boolean parameter.</summary>
    public static NpgsqlCommand With(this NpgsqlCommand command, string name, bool value) =>
        command.Add(name, NpgsqlDbType.Boolean, value);

    /// <summary>
    /// Adds a timestamptz parameter (null becomes SQL NULL), in UTC and truncated to the millisecond:
    /// the precision the SQLite store keeps, so both stores give back the same instants.
    /// </summary>
    public static NpgsqlCommand With(this NpgsqlCommand command, string name, DateTimeOffset? value) =>
        command.Add(name, NpgsqlDbType.TimestampTz, value is { } time ? DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds()) : null);

    private static NpgsqlCommand Add(this NpgsqlCommand command, string name, NpgsqlDbType type, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
        return command;
    }

    public static string? GetStringOrNull(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset GetTime(this NpgsqlDataReader reader, int ordinal) =>
        reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static DateTimeOffset? GetTimeOrNull(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    /// <summary>Executes the command, disposes it, and returns the number of rows changed.</summary>
    public static async Task<int> ExecuteAsync(this NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Executes the command, disposes it, and returns the first column of the first row (null when none).</summary>
    public static async Task<object?> ScalarAsync(this NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            var value = await command.ExecuteScalarAsync(cancellationToken);
            return value is DBNull ? null : value;
        }
    }

    /// <summary>Reads every row with <paramref name="map"/>, then disposes the command.</summary>
    public static async Task<List<T>> ReadAllAsync<T>(this NpgsqlCommand command, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var owned = command;
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    /// <summary>Reads the first row with <paramref name="map"/>, or default, then disposes the command.</summary>
    public static async Task<T?> ReadFirstOrDefaultAsync<T>(this NpgsqlCommand command, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var owned = command;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? map(reader) : default;
    }

    /// <summary>
    /// Takes a transaction-scoped advisory lock (released at commit or rollback): how two Synapse
    /// servers sharing the database serialize what SQLite's single writer serializes for free.
    /// </summary>
    public static Task<int> LockAsync(this NpgsqlConnection connection, NpgsqlTransaction transaction, PostgresLock key, CancellationToken cancellationToken) =>
        connection.Sql("SELECT pg_advisory_xact_lock(@class, @key);", transaction)
            .With("@class", key.Class)
            .With("@key", key.Key)
            .ExecuteAsync(cancellationToken);

    /// <summary>Columns of <see cref="ReadUser"/>, for a users table aliased <c>u</c>.</summary>
    public const string UserColumns = "u.id, u.user_name, u.display_name, u.is_admin, u.created_at";

    /// <summary>Maps <see cref="UserColumns"/> starting at <paramref name="offset"/>.</summary>
    public static User ReadUser(this NpgsqlDataReader reader, int offset = 0) => new(
        reader.GetString(offset),
        reader.GetString(offset + 1),
        reader.GetString(offset + 2),
        reader.GetBoolean(offset + 3),
        reader.GetTime(offset + 4));

    /// <summary>Columns of <see cref="ReadRoom"/>, for a rooms table aliased <c>r</c>.</summary>
    public const string RoomColumns = "r.id, r.name, r.is_private, r.is_direct, r.owner_id, r.created_at";

    /// <summary>Maps <see cref="RoomColumns"/> starting at <paramref name="offset"/>.</summary>
    public static Room ReadRoom(this NpgsqlDataReader reader, int offset = 0) => new(
        reader.GetString(offset),
        reader.GetString(offset + 1),
        reader.GetBoolean(offset + 2),
        reader.GetBoolean(offset + 3),
        reader.GetStringOrNull(offset + 4),
        reader.GetTime(offset + 5));
}
