using System.Globalization;
using Microsoft.Data.Sqlite;
using Synapse.Server.Domain;

namespace Synapse.Server.Storage.Sqlite;

/// <summary>Small helpers that keep the SQL code readable: commands, parameters, row values.</summary>
internal static class SqliteExtensions
{
    /// <summary>A command with its SQL and, optionally, the transaction it runs in.</summary>
    public static SqliteCommand Sql(this SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Adds a parameter; null becomes SQL NULL, times become Unix milliseconds.</summary>
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value switch
        {
            null => DBNull.Value,
            DateTimeOffset time => time.ToUnixTimeMilliseconds(),
            bool flag => flag ? 1 : 0,
            _ => value,
        });
        return command;
    }

    /// <summary>Adds one parameter per value (<c>@p0</c>, <c>@p1</c>, ...) and returns the placeholder list for <c>IN (...)</c>.</summary>
    public static string WithList(this SqliteCommand command, string prefix, IEnumerable<string> values)
    {
        var names = new List<string>();
        foreach (var value in values)
        {
            var name = "@" + prefix + names.Count.ToString(CultureInfo.InvariantCulture);
            command.Parameters.AddWithValue(name, value);
            names.Add(name);
        }

        return string.Join(", ", names);
    }

    public static string? GetStringOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset GetTime(this SqliteDataReader reader, int ordinal) =>
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static DateTimeOffset? GetTimeOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static bool GetFlag(this SqliteDataReader reader, int ordinal) => reader.GetInt64(ordinal) != 0;

    /// <summary>Executes the command, disposes it, and returns the number of rows changed.</summary>
    public static async Task<int> ExecuteAsync(this SqliteCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Executes the command, disposes it, and returns the first column of the first row (null when none).</summary>
    public static async Task<object?> ScalarAsync(this SqliteCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            var value = await command.ExecuteScalarAsync(cancellationToken);
            return value is DBNull ? null : value;
        }
    }

    /// <summary>Reads every row with <paramref name="map"/>, then disposes the command.</summary>
    public static async Task<List<T>> ReadAllAsync<T>(this SqliteCommand command, Func<SqliteDataReader, T> map, CancellationToken cancellationToken)
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
    public static async Task<T?> ReadFirstOrDefaultAsync<T>(this SqliteCommand command, Func<SqliteDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var owned = command;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? map(reader) : default;
    }

    /// <summary>Columns of <see cref="ReadUser"/>, for a users table aliased <c>u</c>.</summary>
    public const string UserColumns = "u.id, u.user_name, u.display_name, u.is_admin, u.created_at";

    /// <summary>Maps <see cref="UserColumns"/> starting at <paramref name="offset"/>.</summary>
    public static User ReadUser(this SqliteDataReader reader, int offset = 0) => new(
        reader.GetString(offset),
        reader.GetString(offset + 1),
        reader.GetString(offset + 2),
        reader.GetFlag(offset + 3),
        reader.GetTime(offset + 4));

    /// <summary>Columns of <see cref="ReadRoom"/>, for a rooms table aliased <c>r</c>.</summary>
    public const string RoomColumns = "r.id, r.name, r.is_private, r.is_direct, r.owner_id, r.created_at";

    /// <summary>Maps <see cref="RoomColumns"/> starting at <paramref name="offset"/>.</summary>
    public static Room ReadRoom(this SqliteDataReader reader, int offset = 0) => new(
        reader.GetString(offset),
        reader.GetString(offset + 1),
        reader.GetFlag(offset + 2),
        reader.GetFlag(offset + 3),
        reader.GetStringOrNull(offset + 4),
        reader.GetTime(offset + 5));
}
