using System.Data.Common;
using Synapse.Server.Domain;
using Synapse.Server.Storage;

namespace Synapse.Server.Tests.Storage;

/// <summary>
/// What every <see cref="ISynapseStore"/> must do, run against each real database by a subclass
/// (<see cref="SqliteStoreTests"/>, <see cref="PostgresStoreTests"/>). Each test gets a fresh,
/// migrated database. Times are whole milliseconds: the precision both stores keep.
/// </summary>
public abstract class StoreContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_123);
    private readonly List<IAsyncDisposable> _owned = [];
    private ISynapseStore? _store;

    /// <summary>The store under test, over a fresh database, initialized.</summary>
    protected ISynapseStore Store => _store ?? throw new InvalidOperationException("Not initialized.");

    private static CancellationToken Ct => CancellationToken.None;

    /// <summary>Creates a fresh, empty database, which the next stores and connections use.</summary>
    protected abstract Task PrepareDatabaseAsync();

    /// <summary>A new store over the current database, not yet initialized, with what to dispose after the test.</summary>
    protected abstract (ISynapseStore Store, IAsyncDisposable Owner) CreateStore();

    /// <summary>An open ADO.NET connection to the current database, to inspect the schema.</summary>
    protected abstract Task<DbConnection> OpenConnectionAsync();

    /// <summary>A SQL expression of the current time in the dialect's <c>applied_at</c> type.</summary>
    protected abstract string NowSql { get; }

    public async Task InitializeAsync()
    {
        await PrepareDatabaseAsync();
        _store = NewStore();
        await _store.InitializeAsync(Ct);
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    /// <summary>Another store instance over the same database (as another server process would have).</summary>
    protected ISynapseStore NewStore()
    {
        var (store, owner) = CreateStore();
        _owned.Add(owner);
        return store;
    }

    // --- Migrations ----------------------------------------------------------------------

    [Fact]
    public async Task A_fresh_database_gets_every_migration_once()
    {
        var applied = await AppliedMigrationsAsync();
        Assert.Equal([1], applied.Select(m => m.Version));
        Assert.Equal("initial schema", applied[0].Name);
        foreach (var table in new[] { "users", "refresh_tokens", "rooms", "room_members", "messages", "reactions", "notifications" })
        {
            Assert.Equal(0L, await ScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));
        }
    }

    [Fact]
    public async Task Initializing_again_changes_nothing_and_keeps_the_data()
    {
        var before = await AppliedMigrationsAsync();
        var user = await CreateUserAsync("keeper");

        var again = NewStore();
        await again.InitializeAsync(Ct);
        await Store.InitializeAsync(Ct);

        Assert.Equal(before, await AppliedMigrationsAsync());
        Assert.Equal(user, await again.GetUserAsync(user.Id, Ct));
    }

    [Fact]
    public async Task Servers_starting_together_apply_the_migrations_once()
    {
        // Another fresh database, initialized by several stores at the same moment.
        await PrepareDatabaseAsync();
        var stores = Enumerable.Range(0, 4).Select(_ => NewStore()).ToArray();
        await Task.WhenAll(stores.Select(s => s.InitializeAsync(Ct)));

        Assert.Equal([1], (await AppliedMigrationsAsync()).Select(m => m.Version));
        Assert.NotNull(await stores[0].TryCreateUserAsync(NewUser("together"), Ct));
    }

    [Fact]
    public async Task A_database_from_a_newer_server_is_refused()
    {
        await ExecuteAsync($"INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', {NowSql})");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => NewStore().InitializeAsync(Ct));
        Assert.Contains("999", error.Message);
    }

    // --- Users ---------------------------------------------------------------------------

    [Fact]
    public async Task The_first_account_is_the_administrator_and_only_it()
    {
        var first = await CreateUserAsync("first");
        var second = await CreateUserAsync("second");
        Assert.True(first.IsAdmin);
        Assert.False(second.IsAdmin);
        Assert.True((await Store.GetUserAsync(first.Id, Ct))!.IsAdmin);
        Assert.False((await Store.GetUserAsync(second.Id, Ct))!.IsAdmin);
    }

    [Fact]
    public async Task Concurrent_first_registrations_make_exactly_one_administrator()
    {
        var stores = new[] { Store, NewStore() };
        foreach (var store in stores.Skip(1))
        {
            await store.InitializeAsync(Ct);
        }

        var created = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => stores[i % 2].TryCreateUserAsync(NewUser($"racer{i}"), Ct))));
        Assert.All(created, Assert.NotNull);
        Assert.Single(created, u => u!.IsAdmin);
    }

    [Fact]
    public async Task User_names_are_unique_whatever_their_case()
    {
        var user = (await Store.TryCreateUserAsync(NewUser("Alice"), Ct))!;
        Assert.Null(await Store.TryCreateUserAsync(NewUser("ALICE"), Ct));
        Assert.Null(await Store.TryCreateUserAsync(NewUser("alice"), Ct));
        Assert.Equal(user, (await Store.FindCredentialsAsync("ALICE", Ct))!.User);
    }

    [Fact]
    public async Task Concurrent_registrations_of_one_name_create_one_account()
    {
        var other = NewStore();
        await other.InitializeAsync(Ct);
        var created = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => (i % 2 == 0 ? Store : other).TryCreateUserAsync(NewUser(i % 3 == 0 ? "Bob" : "bob"), Ct))));
        Assert.Single(created, u => u is not null);
    }

    [Fact]
    public async Task A_user_round_trips()
    {
        var input = new NewUser(Ids.NewUserId(), "Carol", "CAROL", "Carol C. 🎻", "hash-value", T0.AddTicks(4321));
        var created = await Store.TryCreateUserAsync(input, Ct);
        Assert.NotNull(created);

        var expected = new User(input.Id, "Carol", "Carol C. 🎻", true, T0);
        Assert.Equal(expected, await Store.GetUserAsync(input.Id, Ct));
        Assert.Equal(new UserCredentials(expected, "hash-value"), await Store.FindCredentialsAsync("CAROL", Ct));
        Assert.Null(await Store.GetUserAsync("usr_missing", Ct));
        Assert.Null(await Store.FindCredentialsAsync("NOBODY", Ct));
    }

    [Fact]
    public async Task GetUsers_returns_the_existing_ones_among_the_ids()
    {
        var a = await CreateUserAsync("a");
        var b = await CreateUserAsync("b");
        await CreateUserAsync("c");

        var found = await Store.GetUsersAsync([a.Id, b.Id, a.Id, "usr_missing"], Ct);
        Assert.Equal([a, b], found.OrderBy(u => u.UserName, StringComparer.Ordinal));
        Assert.Empty(await Store.GetUsersAsync([], Ct));
    }

    [Fact]
    public async Task Search_matches_user_and_display_names_case_insensitively_in_name_order()
    {
        var zed = await CreateUserAsync("zed", "Zed Z");
        var anna = await CreateUserAsync("anna", "Anna Smith");
        var bert = await CreateUserAsync("bert", "Bert SMITHERS");
        var odd = await CreateUserAsync("odd_one", "100% odd");

        Assert.Equal([anna, bert], await Store.SearchUsersAsync("smith", null, 10, Ct));
        Assert.Equal([anna], await Store.SearchUsersAsync("ANN", null, 10, Ct));
        Assert.Equal([bert], await Store.SearchUsersAsync("smith", anna.Id, 10, Ct));
        Assert.Equal([anna, bert, odd, zed], await Store.SearchUsersAsync(null, null, 10, Ct));
        Assert.Equal([anna, bert], await Store.SearchUsersAsync(null, null, 2, Ct));

        // The search text's own wildcards are literal.
        Assert.Equal([odd], await Store.SearchUsersAsync("_", null, 10, Ct));
        Assert.Equal([odd], await Store.SearchUsersAsync("0%", null, 10, Ct));
        Assert.Empty(await Store.SearchUsersAsync("%%", null, 10, Ct));
    }

    // --- Refresh tokens ------------------------------------------------------------------

    [Fact]
    public async Task A_refresh_token_rotates_once_and_its_reuse_revokes_the_family()
    {
        var user = await CreateUserAsync("tokens");
        await Store.AddRefreshTokenAsync(new RefreshTokenRecord("h1", user.Id, "fam1", T0, T0.AddDays(1)), Ct);

        var first = await Store.RotateRefreshTokenAsync("h1", "h2", T0.AddDays(2), T0.AddMinutes(1), Ct);
        Assert.Equal(new RefreshTokenRotation(RefreshTokenRotationOutcome.Rotated, user.Id), first);
        var second = await Store.RotateRefreshTokenAsync("h2", "h3", T0.AddDays(3), T0.AddMinutes(2), Ct);
        Assert.Equal(RefreshTokenRotationOutcome.Rotated, second.Outcome);

        // h1 again: stolen. The whole family ends, h3 included.
        Assert.Equal(new RefreshTokenRotation(RefreshTokenRotationOutcome.Reused, user.Id), await Store.RotateRefreshTokenAsync("h1", "h4", T0.AddDays(4), T0.AddMinutes(3), Ct));
        Assert.Equal(RefreshTokenRotationOutcome.Reused, (await Store.RotateRefreshTokenAsync("h3", "h5", T0.AddDays(4), T0.AddMinutes(4), Ct)).Outcome);
        Assert.Equal(RefreshTokenRotationOutcome.NotFound, (await Store.RotateRefreshTokenAsync("h4", "h6", T0.AddDays(4), T0.AddMinutes(5), Ct)).Outcome);
    }

    [Fact]
    public async Task Unknown_and_expired_refresh_tokens_do_not_rotate()
    {
        var user = await CreateUserAsync("expiry");
        await Store.AddRefreshTokenAsync(new RefreshTokenRecord("old", user.Id, "fam", T0, T0.AddHours(1)), Ct);

        Assert.Equal(new RefreshTokenRotation(RefreshTokenRotationOutcome.NotFound, null), await Store.RotateRefreshTokenAsync("nope", "x", T0.AddDays(1), T0, Ct));
        Assert.Equal(new RefreshTokenRotation(RefreshTokenRotationOutcome.Expired, user.Id), await Store.RotateRefreshTokenAsync("old", "new", T0.AddDays(1), T0.AddHours(1), Ct));

        // Nothing was written: the new hash does not exist.
        Assert.Equal(RefreshTokenRotationOutcome.NotFound, (await Store.RotateRefreshTokenAsync("new", "newer", T0.AddDays(1), T0, Ct)).Outcome);
    }

    [Fact]
    public async Task Logout_revokes_the_family_once()
    {
        var user = await CreateUserAsync("logout");
        await Store.AddRefreshTokenAsync(new RefreshTokenRecord("a1", user.Id, "famA", T0, T0.AddDays(1)), Ct);
        await Store.AddRefreshTokenAsync(new RefreshTokenRecord("b1", user.Id, "famB", T0, T0.AddDays(1)), Ct);
        await Store.RotateRefreshTokenAsync("a1", "a2", T0.AddDays(1), T0.AddMinutes(1), Ct);

        Assert.True(await Store.RevokeRefreshTokenFamilyAsync("a2", T0.AddMinutes(2), Ct));
        Assert.False(await Store.RevokeRefreshTokenFamilyAsync("a2", T0.AddMinutes(3), Ct));
        Assert.False(await Store.RevokeRefreshTokenFamilyAsync("unknown", T0.AddMinutes(3), Ct));
        Assert.Equal(RefreshTokenRotationOutcome.Reused, (await Store.RotateRefreshTokenAsync("a2", "a3", T0.AddDays(1), T0.AddMinutes(4), Ct)).Outcome);

        // The other login session is untouched.
        Assert.Equal(RefreshTokenRotationOutcome.Rotated, (await Store.RotateRefreshTokenAsync("b1", "b2", T0.AddDays(1), T0.AddMinutes(4), Ct)).Outcome);
    }

    [Fact]
    public async Task Concurrent_rotations_of_one_token_let_exactly_one_through()
    {
        var user = await CreateUserAsync("tabs");
        var other = NewStore();
        await other.InitializeAsync(Ct);
        await Store.AddRefreshTokenAsync(new RefreshTokenRecord("t0", user.Id, "fam", T0, T0.AddDays(1)), Ct);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() =>
            (i % 2 == 0 ? Store : other).RotateRefreshTokenAsync("t0", $"t0-{i}", T0.AddDays(2), T0.AddMinutes(1), Ct))));
        Assert.Single(outcomes, o => o.Outcome == RefreshTokenRotationOutcome.Rotated);
        Assert.All(outcomes, o => Assert.Contains(o.Outcome, new[] { RefreshTokenRotationOutcome.Rotated, RefreshTokenRotationOutcome.Reused }));
    }

    // --- Rooms ---------------------------------------------------------------------------

    [Fact]
    public async Task A_room_round_trips_with_its_members()
    {
        var owner = await CreateUserAsync("owner");
        var member = await CreateUserAsync("member");
        var room = new Room(Ids.NewRoomId(), "Général ✨", true, false, owner.Id, T0.AddTicks(9999));
        await Store.CreateRoomAsync(room, [owner.Id, member.Id, owner.Id], Ct);

        Assert.Equal(room with { CreatedAt = T0 }, await Store.GetRoomAsync(room.Id, Ct));
        Assert.Null(await Store.GetRoomAsync("room_missing", Ct));
        Assert.Equal(
            [new RoomMember(member.Id, member.UserName, member.DisplayName, T0), new RoomMember(owner.Id, owner.UserName, owner.DisplayName, T0)],
            await Store.GetMembersAsync(room.Id, Ct));
        Assert.True(await Store.IsMemberAsync(room.Id, member.Id, Ct));
    }

    [Fact]
    public async Task A_failed_room_creation_leaves_nothing()
    {
        var owner = await CreateUserAsync("owner");
        var room = new Room(Ids.NewRoomId(), "broken", false, false, owner.Id, T0);

        // An unknown member violates a foreign key after the room row was written.
        await Assert.ThrowsAnyAsync<DbException>(() => Store.CreateRoomAsync(room, [owner.Id, "usr_missing"], Ct));
        Assert.Null(await Store.GetRoomAsync(room.Id, Ct));
        Assert.Empty(await Store.GetRoomIdsOfUserAsync(owner.Id, Ct));
    }

    [Fact]
    public async Task Membership_changes_report_whether_they_changed_anything()
    {
        var owner = await CreateUserAsync("owner");
        var guest = await CreateUserAsync("guest");
        var room = await CreateRoomAsync(owner, isPrivate: false);

        Assert.False(await Store.IsMemberAsync(room.Id, guest.Id, Ct));
        Assert.True(await Store.AddMemberAsync(room.Id, guest.Id, T0.AddMinutes(5), Ct));
        Assert.False(await Store.AddMemberAsync(room.Id, guest.Id, T0.AddMinutes(6), Ct));
        Assert.True(await Store.IsMemberAsync(room.Id, guest.Id, Ct));
        Assert.Equal([room.Id], await Store.GetRoomIdsOfUserAsync(guest.Id, Ct));

        // Joining order, with the time of the first join.
        Assert.Equal([owner.Id, guest.Id], (await Store.GetMembersAsync(room.Id, Ct)).Select(m => m.UserId));
        Assert.Equal(T0.AddMinutes(5), (await Store.GetMembersAsync(room.Id, Ct))[1].JoinedAt);

        Assert.True(await Store.RemoveMemberAsync(room.Id, guest.Id, Ct));
        Assert.False(await Store.RemoveMemberAsync(room.Id, guest.Id, Ct));
        Assert.Empty(await Store.GetRoomIdsOfUserAsync(guest.Id, Ct));
    }

    [Fact]
    public async Task A_pair_of_users_has_one_direct_room()
    {
        var a = await CreateUserAsync("da");
        var b = await CreateUserAsync("db");
        var candidate = new Room(Ids.NewRoomId(), "da, db", false, false, a.Id, T0);

        var (room, created) = await Store.GetOrCreateDirectRoomAsync(candidate, a.Id, b.Id, Ct);
        Assert.True(created);
        Assert.Equal(candidate with { IsPrivate = true, IsDirect = true, OwnerId = null }, room);
        Assert.Equal(room, await Store.GetRoomAsync(room.Id, Ct));
        Assert.Equal(
            new[] { a.Id, b.Id }.Order(StringComparer.Ordinal),
            (await Store.GetMembersAsync(room.Id, Ct)).Select(m => m.UserId).Order(StringComparer.Ordinal));

        // From the other side, with another candidate: the same room.
        var (again, createdAgain) = await Store.GetOrCreateDirectRoomAsync(new Room(Ids.NewRoomId(), "db, da", true, true, null, T0.AddDays(1)), b.Id, a.Id, Ct);
        Assert.False(createdAgain);
        Assert.Equal(room, again);
    }

    [Fact]
    public async Task Concurrent_direct_room_requests_agree_on_one_room()
    {
        var a = await CreateUserAsync("ca");
        var b = await CreateUserAsync("cb");
        var other = NewStore();
        await other.InitializeAsync(Ct);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() =>
            (i % 2 == 0 ? Store : other).GetOrCreateDirectRoomAsync(new Room(Ids.NewRoomId(), "dm", true, true, null, T0), i % 2 == 0 ? a.Id : b.Id, i % 2 == 0 ? b.Id : a.Id, Ct))));
        Assert.Single(results, r => r.Created);
        Assert.Single(results.Select(r => r.Room.Id).Distinct());
        Assert.Equal(2, (await Store.GetMembersAsync(results[0].Room.Id, Ct)).Count);
    }

    [Fact]
    public async Task The_room_list_shows_public_rooms_and_the_users_private_ones_oldest_first()
    {
        var me = await CreateUserAsync("me");
        var other = await CreateUserAsync("other");
        var publicMine = await CreateRoomAsync(me, isPrivate: false, at: T0.AddMinutes(1));
        var privateTheirs = await CreateRoomAsync(other, isPrivate: true, at: T0.AddMinutes(2));
        var publicTheirs = await CreateRoomAsync(other, isPrivate: false, at: T0.AddMinutes(3), members: [me.Id]);
        var privateShared = await CreateRoomAsync(other, isPrivate: true, at: T0.AddMinutes(4), members: [me.Id]);
        var publicNotJoined = await CreateRoomAsync(other, isPrivate: false, at: T0.AddMinutes(5));

        var listing = await Store.ListRoomsAsync(me.Id, Ct);
        Assert.Equal(
            [
                new RoomListing(publicMine, 1, true),
                new RoomListing(publicTheirs, 2, true),
                new RoomListing(privateShared, 2, true),
                new RoomListing(publicNotJoined, 1, false),
            ],
            listing);
        Assert.DoesNotContain(listing, l => l.Room.Id == privateTheirs.Id);
        Assert.Equal(
            new[] { publicMine.Id, publicTheirs.Id, privateShared.Id }.Order(StringComparer.Ordinal),
            (await Store.GetRoomIdsOfUserAsync(me.Id, Ct)).Order(StringComparer.Ordinal));
    }

    // --- Messages ------------------------------------------------------------------------

    [Fact]
    public async Task A_message_round_trips()
    {
        var (room, author) = await RoomWithAuthorAsync();
        var first = await SendAsync(room, author, "first");
        var input = new NewMessage(Ids.NewMessageId(), room.Id, author.Id, "a reply — ça va ? 👋", first.Id, "client-1", T0.AddTicks(7777));

        var (message, created) = await Store.InsertMessageAsync(input, Ct);
        Assert.True(created);
        var expected = new Message(input.Id, room.Id, author.Id, author.UserName, input.Content, T0, null, first.Id, [], "client-1");
        Assert.Equivalent(expected, message, strict: true);
        Assert.Equivalent(expected, await Store.GetMessageAsync(input.Id, Ct), strict: true);
        Assert.Equivalent(expected, await Store.FindByClientMessageIdAsync(author.Id, "client-1", Ct), strict: true);
        Assert.Null(await Store.GetMessageAsync("msg_missing", Ct));
        Assert.Null(await Store.FindByClientMessageIdAsync(author.Id, "client-2", Ct));
    }

    [Fact]
    public async Task A_repeated_client_message_id_returns_the_stored_message()
    {
        var (room, author) = await RoomWithAuthorAsync();
        var other = await CreateUserAsync("other");
        await Store.AddMemberAsync(room.Id, other.Id, T0, Ct);

        var (original, created) = await Store.InsertMessageAsync(new NewMessage(Ids.NewMessageId(), room.Id, author.Id, "once", null, "c1", T0), Ct);
        var (retry, createdAgain) = await Store.InsertMessageAsync(new NewMessage(Ids.NewMessageId(), room.Id, author.Id, "twice?", null, "c1", T0.AddSeconds(1)), Ct);
        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equivalent(original, retry, strict: true);

        // The key is per author, and messages without one never collide.
        Assert.True((await Store.InsertMessageAsync(new NewMessage(Ids.NewMessageId(), room.Id, other.Id, "mine", null, "c1", T0), Ct)).Created);
        Assert.True((await Store.InsertMessageAsync(new NewMessage(Ids.NewMessageId(), room.Id, author.Id, "no key", null, null, T0), Ct)).Created);
        Assert.True((await Store.InsertMessageAsync(new NewMessage(Ids.NewMessageId(), room.Id, author.Id, "no key", null, null, T0), Ct)).Created);
        Assert.Equal(4, (await Store.GetMessagesAsync(room.Id, new MessageQuery(null, null, 10), Ct))!.Messages.Count);
    }

    [Fact]
    public async Task Concurrent_sends_with_one_client_message_id_store_one_message()
    {
        var (room, author) = await RoomWithAuthorAsync();
        var other = NewStore();
        await other.InitializeAsync(Ct);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() =>
            (i % 2 == 0 ? Store : other).InsertMessageAsync(new NewMessage(Ids.NewMessageId(), room.Id, author.Id, $"try {i}", null, "same", T0), Ct))));
        Assert.Single(results, r => r.Created);
        Assert.Single(results.Select(r => r.Message.Id).Distinct());
        Assert.Single((await Store.GetMessagesAsync(room.Id, new MessageQuery(null, null, 10), Ct))!.Messages);
    }

    [Fact]
    public async Task Editing_replaces_the_content_of_live_messages_only()
    {
        var (room, author) = await RoomWithAuthorAsync();
        var message = await SendAsync(room, author, "draft");

        var edited = await Store.UpdateMessageContentAsync(message.Id, "final", T0.AddMinutes(1).AddTicks(5), Ct);
        Assert.Equivalent(message with { Content = "final", EditedAt = T0.AddMinutes(1) }, edited, strict: true);
        Assert.Equivalent(edited, await Store.GetMessageAsync(message.Id, Ct), strict: true);

        Assert.True(await Store.DeleteMessageAsync(message.Id, T0.AddMinutes(2), Ct));
        Assert.Null(await Store.UpdateMessageContentAsync(message.Id, "zombie", T0.AddMinutes(3), Ct));
        Assert.Null(await Store.UpdateMessageContentAsync("msg_missing", "x", T0, Ct));
    }

    [Fact]
    public async Task Deleting_hides_a_message_everywhere_but_keeps_its_key_and_cursor()
    {
        var (room, author) = await RoomWithAuthorAsync();
        var before = await SendAsync(room, author, "before");
        var (doomed, _) = await Store.InsertMessageAsync(new NewMessage(Ids.NewMessageId(), room.Id, author.Id, "secret", null, "k", T0.AddSeconds(1)), Ct);
        var after = await SendAsync(room, author, "after");
        await Store.ToggleReactionAsync(doomed.Id, author.Id, "👍", T0, Ct);

        Assert.True(await Store.DeleteMessageAsync(doomed.Id, T0.AddMinutes(1), Ct));
        Assert.False(await Store.DeleteMessageAsync(doomed.Id, T0.AddMinutes(2), Ct));
        Assert.False(await Store.DeleteMessageAsync("msg_missing", T0, Ct));

        Assert.Null(await Store.GetMessageAsync(doomed.Id, Ct));
        Assert.Null(await Store.FindByClientMessageIdAsync(author.Id, "k", Ct));
        Assert.Equal([after.Id, before.Id], (await Store.GetMessagesAsync(room.Id, new MessageQuery(null, null, 10), Ct))!.Messages.Select(m => m.Id));

        // Still a cursor, in both directions.
        Assert.Equal([after.Id], (await Store.GetMessagesAsync(room.Id, new MessageQuery(null, doomed.Id, 10), Ct))!.Messages.Select(m => m.Id));
        Assert.Equal([before.Id], (await Store.GetMessagesAsync(room.Id, new MessageQuery(doomed.Id, null, 10), Ct))!.Messages.Select(m => m.Id));

        // A retry of the deleted message's send returns it (erased), and stores nothing new.
        var (retry, created) = await Store.InsertMessageAsync(new NewMessage(Ids.NewMessageId(), room.Id, author.Id, "secret", null, "k", T0.AddMinutes(3)), Ct);
        Assert.False(created);
        Assert.Equal(doomed.Id, retry.Id);
        Assert.Equal(string.Empty, retry.Content);
        Assert.Empty(retry.Reactions);
    }

    [Fact]
    public async Task Reactions_toggle_and_group_by_emoji_in_order_of_appearance()
    {
        var (room, author) = await RoomWithAuthorAsync();
        var friend = await CreateUserAsync("friend");
        var message = await SendAsync(room, author, "react to me");

        Assert.True(await Store.ToggleReactionAsync(message.Id, author.Id, "🎉", T0.AddSeconds(1), Ct));
        Assert.True(await Store.ToggleReactionAsync(message.Id, friend.Id, "👍", T0.AddSeconds(2), Ct));
        Assert.True(await Store.ToggleReactionAsync(message.Id, author.Id, "👍", T0.AddSeconds(3), Ct));
        var reactions = (await Store.GetMessageAsync(message.Id, Ct))!.Reactions;
        Assert.Equal(2, reactions.Count);
        Assert.Equivalent(new Reaction("🎉", 1, [author.Id]), reactions[0], strict: true);
        Assert.Equivalent(new Reaction("👍", 2, [friend.Id, author.Id]), reactions[1], strict: true);

        Assert.False(await Store.ToggleReactionAsync(message.Id, author.Id, "🎉", T0.AddSeconds(4), Ct));
        reactions = (await Store.GetMessagesAsync(room.Id, new MessageQuery(null, null, 10), Ct))!.Messages.Single().Reactions;
        Assert.Equal(["👍"], reactions.Select(r => r.Emoji));
    }

    [Fact]
    public async Task Concurrent_toggles_of_one_reaction_take_turns()
    {
        var (room, author) = await RoomWithAuthorAsync();
        var message = await SendAsync(room, author, "contested");
        var other = NewStore();
        await other.InitializeAsync(Ct);

        // An even number of toggles, all succeeding, leaves no reaction: each saw the one before.
        var added = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            (i % 2 == 0 ? Store : other).ToggleReactionAsync(message.Id, author.Id, "🔥", T0, Ct))));
        Assert.Equal(4, added.Count(a => a));
        Assert.Empty((await Store.GetMessageAsync(message.Id, Ct))!.Reactions);
    }

    [Fact]
    public async Task History_pages_newest_first_and_catches_up_oldest_first()
    {
        var (room, author) = await RoomWithAuthorAsync();
        var (otherRoom, _) = await RoomWithAuthorAsync(author);
        var sent = new List<Message>();
        for (var i = 0; i < 7; i++)
        {
            sent.Add(await SendAsync(room, author, $"m{i}", T0.AddSeconds(i)));
        }

        await SendAsync(otherRoom, author, "elsewhere");

        var newest = (await Store.GetMessagesAsync(room.Id, new MessageQuery(null, null, 3), Ct))!;
        Assert.Equal(["m6", "m5", "m4"], newest.Messages.Select(m => m.Content));
        Assert.True(newest.HasMore);

        var older = (await Store.GetMessagesAsync(room.Id, new MessageQuery(newest.Messages[^1].Id, null, 3), Ct))!;
        Assert.Equal(["m3", "m2", "m1"], older.Messages.Select(m => m.Content));
        Assert.True(older.HasMore);

        var oldest = (await Store.GetMessagesAsync(room.Id, new MessageQuery(older.Messages[^1].Id, null, 3), Ct))!;
        Assert.Equal(["m0"], oldest.Messages.Select(m => m.Content));
        Assert.False(oldest.HasMore);

        var after = (await Store.GetMessagesAsync(room.Id, new MessageQuery(null, sent[2].Id, 3), Ct))!;
        Assert.Equal(["m3", "m4", "m5"], after.Messages.Select(m => m.Content));
        Assert.True(after.HasMore);
        var rest = (await Store.GetMessagesAsync(room.Id, new MessageQuery(null, after.Messages[^1].Id, 3), Ct))!;
        Assert.Equal(["m6"], rest.Messages.Select(m => m.Content));
        Assert.False(rest.HasMore);

        var exact = (await Store.GetMessagesAsync(room.Id, new MessageQuery(null, null, 7), Ct))!;
        Assert.Equal(7, exact.Messages.Count);
        Assert.False(exact.HasMore);

        var beforeFirst = (await Store.GetMessagesAsync(room.Id, new MessageQuery(sent[0].Id, null, 3), Ct))!;
        Assert.Empty(beforeFirst.Messages);
        Assert.False(beforeFirst.HasMore);

        // A cursor from another room (or an unknown one) is not a page of this one.
        Assert.Null(await Store.GetMessagesAsync(otherRoom.Id, new MessageQuery(sent[3].Id, null, 3), Ct));
        Assert.Null(await Store.GetMessagesAsync(room.Id, new MessageQuery(null, "msg_missing", 3), Ct));
        Assert.Empty((await Store.GetMessagesAsync("room_empty", new MessageQuery(null, null, 3), Ct))!.Messages);
    }

    [Fact]
    public async Task Catching_up_while_others_write_never_skips_a_message()
    {
        var (room, author) = await RoomWithAuthorAsync();
        var first = await SendAsync(room, author, "start");
        var writers = new[] { Store, NewStore(), NewStore() };
        foreach (var writer in writers.Skip(1))
        {
            await writer.InitializeAsync(Ct);
        }

        // Three writers (as three servers) send while a reader follows with "after" cursors, as a
        // reconnecting client does; whatever interleaving happens, it must see every message once.
        const int perWriter = 40;
        var writing = Task.WhenAll(writers.Select((writer, w) => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                await writer.InsertMessageAsync(new NewMessage(Ids.NewMessageId(), room.Id, author.Id, $"w{w}-{i}", null, null, T0), Ct);
            }
        })));

        var seen = new List<string>();
        var cursor = first.Id;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (seen.Count < perWriter * writers.Length && DateTime.UtcNow < deadline)
        {
            var page = (await Store.GetMessagesAsync(room.Id, new MessageQuery(null, cursor, 7), Ct))!;
            seen.AddRange(page.Messages.Select(m => m.Content));
            cursor = page.Messages.Count > 0 ? page.Messages[^1].Id : cursor;
            if (page.Messages.Count == 0)
            {
                await Task.Delay(5);
            }
        }

        await writing;
        var remaining = (await Store.GetMessagesAsync(room.Id, new MessageQuery(null, cursor, 1000), Ct))!;
        seen.AddRange(remaining.Messages.Select(m => m.Content));
        Assert.Equal(perWriter * writers.Length, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    // --- Notifications -------------------------------------------------------------------

    [Fact]
    public async Task Notifications_list_newest_first_and_count_unread()
    {
        var me = await CreateUserAsync("me");
        var you = await CreateUserAsync("you");
        var n1 = Notification(T0.AddMinutes(1), roomId: "room_x", messageId: "msg_y");
        var n2 = Notification(T0.AddMinutes(2));
        var n3 = Notification(T0.AddMinutes(3));
        var yours = Notification(T0.AddMinutes(4));
        await Store.AddNotificationsAsync([(me.Id, n1), (me.Id, n2), (you.Id, yours)], Ct);
        await Store.AddNotificationsAsync([(me.Id, n3)], Ct);
        await Store.AddNotificationsAsync([], Ct);

        Assert.Equal([n3, n2, n1], await Store.ListNotificationsAsync(me.Id, false, 10, Ct));
        Assert.Equal([n3, n2], await Store.ListNotificationsAsync(me.Id, false, 2, Ct));
        Assert.Equal(3, await Store.CountUnreadNotificationsAsync(me.Id, Ct));

        Assert.True(await Store.MarkNotificationReadAsync(me.Id, n2.Id, T0.AddHours(1), Ct));
        Assert.True(await Store.MarkNotificationReadAsync(me.Id, n2.Id, T0.AddHours(2), Ct));
        Assert.False(await Store.MarkNotificationReadAsync(me.Id, yours.Id, T0.AddHours(1), Ct));
        Assert.False(await Store.MarkNotificationReadAsync(me.Id, "ntf_missing", T0.AddHours(1), Ct));

        Assert.Equal(2, await Store.CountUnreadNotificationsAsync(me.Id, Ct));
        Assert.Equal([n3, n1], await Store.ListNotificationsAsync(me.Id, true, 10, Ct));
        Assert.Equal([n3, n2 with { Read = true }, n1], await Store.ListNotificationsAsync(me.Id, false, 10, Ct));
        Assert.Equal([yours], await Store.ListNotificationsAsync(you.Id, false, 10, Ct));
    }

    [Fact]
    public async Task A_failed_batch_of_notifications_stores_none()
    {
        var me = await CreateUserAsync("me");
        var duplicate = Notification(T0);

        await Assert.ThrowsAnyAsync<DbException>(() => Store.AddNotificationsAsync([(me.Id, Notification(T0)), (me.Id, duplicate), (me.Id, duplicate)], Ct));
        Assert.Empty(await Store.ListNotificationsAsync(me.Id, false, 10, Ct));
    }

    // --- Helpers -------------------------------------------------------------------------

    private static int s_names;

    private static NewUser NewUser(string userName, string? displayName = null) =>
        new(Ids.NewUserId(), userName, userName.ToUpperInvariant(), displayName ?? userName, "hash", T0);

    private async Task<User> CreateUserAsync(string prefix, string? displayName = null)
    {
        // Unique names across a test, keeping the prefix's sort order.
        var name = $"{prefix}{Interlocked.Increment(ref s_names):D6}";
        return await Store.TryCreateUserAsync(NewUser(name, displayName ?? name), Ct) ?? throw new InvalidOperationException($"{name} exists.");
    }

    private async Task<Room> CreateRoomAsync(User owner, bool isPrivate, DateTimeOffset? at = null, string[]? members = null)
    {
        var room = new Room(Ids.NewRoomId(), "room " + Guid.NewGuid().ToString("N")[..6], isPrivate, false, owner.Id, at ?? T0);
        await Store.CreateRoomAsync(room, [owner.Id, .. members ?? []], Ct);
        return room;
    }

    private async Task<(Room Room, User Author)> RoomWithAuthorAsync(User? author = null)
    {
        author ??= await CreateUserAsync("author");
        return (await CreateRoomAsync(author, isPrivate: false), author);
    }

    private async Task<Message> SendAsync(Room room, User author, string content, DateTimeOffset? at = null) =>
        (await Store.InsertMessageAsync(new NewMessage(Ids.NewMessageId(), room.Id, author.Id, content, null, null, at ?? T0), Ct)).Message;

    private static Notification Notification(DateTimeOffset at, string? roomId = null, string? messageId = null) =>
        new(Ids.NewNotificationId(), NotificationTypes.Mention, "title", "body", at, false, roomId, messageId);

    private async Task<List<(long Version, string Name, string AppliedAt)>> AppliedMigrationsAsync()
    {
        await using var connection = await OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version, name, applied_at FROM schema_migrations ORDER BY version";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, string, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(1), Convert.ToString(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture)!));
        }

        return rows;
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = await OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
