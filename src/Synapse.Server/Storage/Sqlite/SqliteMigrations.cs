namespace Synapse.Server.Storage.Sqlite;

/// <summary>
/// The schema, as an ordered list of versioned migrations. Each runs once, in its own transaction,
/// and is recorded in <c>schema_migrations</c>. Never edit a released migration: append a new one.
/// </summary>
internal static class SqliteMigrations
{
    /// <summary>A schema change.</summary>
    /// <param name="Version">Its number, increasing from 1 without gaps.</param>
    /// <param name="Name">What it does.</param>
    /// <param name="Sql">The statements.</param>
    public sealed record Migration(int Version, string Name, string Sql);

    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "initial schema", """
            -- The skeleton's version marker, superseded by schema_migrations.
            DROP TABLE IF EXISTS schema_version;

            CREATE TABLE users (
                id                   TEXT    NOT NULL PRIMARY KEY,
                user_name            TEXT    NOT NULL,
                user_name_normalized TEXT    NOT NULL UNIQUE,
                display_name         TEXT    NOT NULL,
                password_hash        TEXT    NOT NULL,
                is_admin             INTEGER NOT NULL DEFAULT 0,
                created_at           INTEGER NOT NULL
            );

            CREATE TABLE refresh_tokens (
                token_hash TEXT    NOT NULL PRIMARY KEY,
                user_id    TEXT    NOT NULL REFERENCES users (id),
                family_id  TEXT    NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                revoked_at INTEGER NULL
            );
            CREATE INDEX ix_refresh_tokens_family ON refresh_tokens (family_id);

            CREATE TABLE rooms (
                id         TEXT    NOT NULL PRIMARY KEY,
                name       TEXT    NOT NULL,
                is_private INTEGER NOT NULL,
                is_direct  INTEGER NOT NULL,
                direct_key TEXT    NULL UNIQUE,
                owner_id   TEXT    NULL REFERENCES users (id),
                created_at INTEGER NOT NULL
            );

            CREATE TABLE room_members (
                room_id   TEXT    NOT NULL REFERENCES rooms (id),
                user_id   TEXT    NOT NULL REFERENCES users (id),
                joined_at INTEGER NOT NULL,
                PRIMARY KEY (room_id, user_id)
            ) WITHOUT ROWID;
            CREATE INDEX ix_room_members_user ON room_members (user_id);

            -- seq orders a room's history and serves as the paging cursor behind message ids.
            CREATE TABLE messages (
                seq               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
                id                TEXT    NOT NULL UNIQUE,
                room_id           TEXT    NOT NULL REFERENCES rooms (id),
                user_id           TEXT    NOT NULL REFERENCES users (id),
                content           TEXT    NOT NULL,
                reply_to_id       TEXT    NULL,
                client_message_id TEXT    NULL,
                created_at        INTEGER NOT NULL,
                edited_at         INTEGER NULL,
                deleted_at        INTEGER NULL
            );
            CREATE INDEX ix_messages_room ON messages (room_id, seq);
            CREATE UNIQUE INDEX ux_messages_client_id ON messages (user_id, client_message_id);

            CREATE TABLE reactions (
                message_id TEXT    NOT NULL REFERENCES messages (id),
                emoji      TEXT    NOT NULL,
                user_id    TEXT    NOT NULL REFERENCES users (id),
                created_at INTEGER NOT NULL,
                PRIMARY KEY (message_id, emoji, user_id)
            ) WITHOUT ROWID;

            CREATE TABLE notifications (
                id         TEXT    NOT NULL PRIMARY KEY,
                user_id    TEXT    NOT NULL REFERENCES users (id),
                type       TEXT    NOT NULL,
                title      TEXT    NOT NULL,
                message    TEXT    NOT NULL,
                room_id    TEXT    NULL,
                message_id TEXT    NULL,
                created_at INTEGER NOT NULL,
                read_at    INTEGER NULL
            );
            CREATE INDEX ix_notifications_user ON notifications (user_id, created_at);
            """),
    ];
}
