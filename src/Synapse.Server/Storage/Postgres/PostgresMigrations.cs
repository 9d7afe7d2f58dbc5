namespace Synapse.Server.Storage.Postgres;

/// <summary>
/// The schema in PostgreSQL's dialect: the same versions, tables, columns, keys and indexes as
/// <see cref="Sqlite.SqliteMigrations"/>, version for version (a migration added there is added
/// here with the same number and meaning). Each runs once, in its own transaction, and is recorded
/// in <c>schema_migrations</c>. Never edit a released migration: append a new one.
/// </summary>
/// <remarks>
/// Dialect differences: times are <c>timestamptz</c> (SQLite keeps Unix milliseconds), flags are
/// <c>boolean</c>, <c>seq</c> is an identity column, and identifiers compare byte by byte
/// (<c>COLLATE "C"</c>, as SQLite's BINARY), so orderings and uniqueness match SQLite's whatever
/// locale the database was created with.
/// </remarks>
internal static class PostgresMigrations
{
    /// <summary>A schema change.</summary>
    /// <param name="Version">Its number, increasing from 1 without gaps.</param>
    /// <param name="Name">What it does.</param>
    /// <param name="Sql">The statements.</param>
    public sealed record Migration(int Version, string Name, string Sql);

    public static IReadOnlyList<Migration> All { get; } =
    [
        // SQLite's version 1 also drops the skeleton's schema_version table, which no PostgreSQL
        // database ever had.
        new(1, "initial schema", """
            CREATE TABLE users (
                id                   text COLLATE "C" NOT NULL PRIMARY KEY,
                user_name            text             NOT NULL,
                user_name_normalized text COLLATE "C" NOT NULL UNIQUE,
                display_name         text             NOT NULL,
                password_hash        text             NOT NULL,
                is_admin             boolean          NOT NULL DEFAULT false,
                created_at           timestamptz      NOT NULL
            );

            CREATE TABLE refresh_tokens (
                token_hash text COLLATE "C" NOT NULL PRIMARY KEY,
                user_id    text COLLATE "C" NOT NULL REFERENCES users (id),
                family_id  text COLLATE "C" NOT NULL,
                created_at timestamptz      NOT NULL,
                expires_at timestamptz      NOT NULL,
                revoked_at timestamptz      NULL
            );
            CREATE INDEX ix_refresh_tokens_family ON refresh_tokens (family_id);

            CREATE TABLE rooms (
                id         text COLLATE "C" NOT NULL PRIMARY KEY,
                name       text             NOT NULL,
                is_private boolean          NOT NULL,
                is_direct  boolean          NOT NULL,
                direct_key text COLLATE "C" NULL UNIQUE,
                owner_id   text COLLATE "C" NULL REFERENCES users (id),
                created_at timestamptz      NOT NULL
            );

            CREATE TABLE room_members (
                room_id   text COLLATE "C" NOT NULL REFERENCES rooms (id),
                user_id   text COLLATE "C" NOT NULL REFERENCES users (id),
                joined_at timestamptz      NOT NULL,
                PRIMARY KEY (room_id, user_id)
            );
            CREATE INDEX ix_room_members_user ON room_members (user_id);

            -- seq orders a room's history and serves as the paging cursor behind message ids.
            CREATE TABLE messages (
                seq               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id                text COLLATE "C" NOT NULL UNIQUE,
                room_id           text COLLATE "C" NOT NULL REFERENCES rooms (id),
                user_id           text COLLATE "C" NOT NULL REFERENCES users (id),
                content           text             NOT NULL,
                reply_to_id       text COLLATE "C" NULL,
                client_message_id text COLLATE "C" NULL,
                created_at        timestamptz      NOT NULL,
                edited_at         timestamptz      NULL,
                deleted_at        timestamptz      NULL
            );
            CREATE INDEX ix_messages_room ON messages (room_id, seq);
            CREATE UNIQUE INDEX ux_messages_client_id ON messages (user_id, client_message_id);

            CREATE TABLE reactions (
                message_id text COLLATE "C" NOT NULL REFERENCES messages (id),
                emoji      text COLLATE "C" NOT NULL,
                user_id    text COLLATE "C" NOT NULL REFERENCES users (id),
                created_at timestamptz      NOT NULL,
                PRIMARY KEY (message_id, emoji, user_id)
            );

            CREATE TABLE notifications (
                id         text COLLATE "C" NOT NULL PRIMARY KEY,
                user_id    text COLLATE "C" NOT NULL REFERENCES users (id),
                type       text             NOT NULL,
                title      text             NOT NULL,
                message    text             NOT NULL,
                room_id    text COLLATE "C" NULL,
                message_id text COLLATE "C" NULL,
                created_at timestamptz      NOT NULL,
                read_at    timestamptz      NULL
            );
            CREATE INDEX ix_notifications_user ON notifications (user_id, created_at);
            """),
    ];
}
