using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Synapse.Server.Domain;
using Synapse.Server.Storage;
using Synapse.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Synapse.Web.Tests;

/// <summary>
/// The rest of the issue's features, each as a person would check it in the browser: accounts
/// (log out, log in, a wrong password), private rooms and invitations with their notification,
/// history paging with day separators, a message the server refuses (failed, then Retry), audio
/// calls declined and ended by the caller, and the interface on a phone, by keyboard, in the dark.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatFeatureTests(BrowserFixture browser)
{
    private static readonly TimeSpan TestBudget = TimeSpan.FromSeconds(90);

    private static readonly Dictionary<string, string> Settings = new() { ["Synapse:Realtime:TypingTimeout"] = "00:00:05" };

    [Fact]
    public Task A_private_room_gets_a_member_by_invitation_and_logging_out_and_in_keeps_it() => Scenario.RunAsync(browser.Browser, TestBudget, async scenario =>
    {
        var server = scenario.Track(await SynapseServer.StartAsync(settings: Settings));
        var alice = await scenario.OpenAsync(server.BaseUri, "alice", "Alice Martin");
        var bob = await scenario.OpenAsync(server.BaseUri, "bob", "Bob Chen");
        await alice.RegisterAsync();
        await bob.RegisterAsync();

        // Alice creates a private room.
        const string room = "leadership";
        await alice.Page.GetByTestId("new-room-name").FillAsync(room);
        await alice.Page.GetByTestId("new-room-private").CheckAsync();
        await Expect(alice.Page.GetByTestId("new-room-create")).ToHaveAttributeAsync("aria-label", "Create private room");
        await alice.Page.GetByTestId("new-room-create").ClickAsync();
        await Expect(alice.Page.Locator("#conversation-title")).ToHaveTextAsync(room);
        await Expect(alice.RoomItem(room)).ToHaveAttributeAsync("aria-label", new Regex(@"\(private\)"));

        // Bob does not see it, even after refreshing his list.
        await bob.Page.GetByTestId("rooms-refresh").ClickAsync();
        await Expect(bob.Page.GetByTestId("rooms-refresh")).ToBeEnabledAsync();
        await Expect(bob.RoomItem(room)).ToHaveCountAsync(0);

        // Alice, the owner, adds Bob from the member list.
        await alice.Page.GetByTestId("member-add").ClickAsync();
        await alice.Page.GetByTestId("member-add-search").FillAsync(bob.UserName);
        await alice.Page.GetByTestId("user-result").Filter(new() { HasText = bob.UserName }).ClickAsync();
        await Expect(alice.Page.GetByTestId("toast").Filter(new() { HasText = "Member added" })).ToBeVisibleAsync();
        await Expect(alice.Member(bob.UserName)).ToBeVisibleAsync();

        // Bob is told (a toast and an unread notification) and the room is in his list.
        await Expect(bob.Page.GetByTestId("toast").Filter(new() { HasText = $"Added to {room}" })).ToBeVisibleAsync();
        await Expect(bob.RoomItem(room)).ToBeVisibleAsync();
        await Expect(bob.Page.GetByTestId("notifications-unread")).ToHaveTextAsync("1");
        await bob.Page.GetByTestId("notifications-toggle").ClickAsync();
        var notification = bob.Page.GetByTestId("notification-list").GetByTestId("notification").Filter(new() { HasText = $"Added to {room}" });
        await Expect(notification).ToHaveAttributeAsync("data-read", "false");
        await bob.ScreenshotAsync("10-notification-list");

        // Opening it reads it and opens the room.
        await notification.ClickAsync();
        await Expect(bob.Page.Locator("#conversation-title")).ToHaveTextAsync(room);
        await Expect(bob.Page.GetByTestId("notifications-unread")).ToHaveCountAsync(0);
        await bob.SendAsync("Thanks for adding me!");
        await Expect(alice.Message("Thanks for adding me!")).ToHaveCountAsync(1);

        // A system announcement (Alice, the first account, is the administrator): a toast for
        // everyone, and an unread entry in the notification list.
        var aliceToken = (await server.PostAsync("/api/auth/login", new { userName = alice.UserName, password = alice.Password })).Body.GetProperty("accessToken").GetString();
        Assert.Equal(200, (await server.PostAsync("/api/admin/announcements", new { message = "Maintenance tonight at 22:00 UTC" }, aliceToken)).Status);
        await Expect(bob.Page.GetByTestId("toast").Filter(new() { HasText = "Maintenance tonight" })).ToBeVisibleAsync();
        await Expect(alice.Page.GetByTestId("toast").Filter(new() { HasText = "Maintenance tonight" })).ToBeVisibleAsync();
        await Expect(bob.Page.GetByTestId("notifications-unread")).ToHaveTextAsync("1");
        await bob.Page.GetByTestId("notifications-toggle").ClickAsync();
        await Expect(bob.Page.GetByTestId("notification").Filter(new() { HasText = "Maintenance tonight" })).ToHaveAttributeAsync("data-read", "false");
        await bob.Page.GetByRole(AriaRole.Button, new() { Name = "Mark all as read" }).ClickAsync();
        await Expect(bob.Page.GetByTestId("notifications-unread")).ToHaveCountAsync(0);
        await bob.Page.Keyboard.PressAsync("Escape");
        await Expect(bob.Page.GetByTestId("notification-list")).ToHaveCountAsync(0);

        // Alice logs out, fails once with a wrong password, then logs in with the keyboard.
        await alice.LogoutAsync();
        await Expect(alice.Page.GetByTestId("connection-status")).ToHaveCountAsync(0);
        await alice.Page.GetByTestId("auth-username").FillAsync(alice.UserName);
        await alice.Page.GetByTestId("auth-password").FillAsync("not the password");
        await alice.Page.GetByTestId("auth-login").ClickAsync();
        await Expect(alice.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("do not match");
        await alice.Page.ReloadAsync();
        await alice.LoginWithKeyboardAsync();

        // Her rooms are there, with the last message.
        await Expect(alice.RoomItem(room)).ToContainTextAsync("Thanks for adding me!");
        await alice.OpenRoomAsync(room);
        await Expect(alice.Message("Thanks for adding me!")).ToHaveCountAsync(1);

        // A wrong password logs a 401 for the failed request; nothing else.
        alice.AssertNoConsoleErrors(new Regex("status of 401", RegexOptions.IgnoreCase));
        bob.AssertNoConsoleErrors();
    });

    [Fact]
    public Task Tokens_are_refreshed_silently_before_they_expire_and_when_the_server_refuses_one() => Scenario.RunAsync(browser.Browser, TestBudget, async scenario =>
    {
        // Access tokens of 40 s: the client refreshes a minute before expiry, so at its shortest
        // delay, every 5 s, on its own (requests refresh first only within 30 s of expiry).
        var server = scenario.Track(await SynapseServer.StartAsync(settings: new Dictionary<string, string>(Settings) { ["Synapse:Auth:AccessTokenLifetime"] = "00:00:40" }));
        var alice = await scenario.OpenAsync(server.BaseUri, "alice");
        var refreshes = 0;
        alice.Page.Response += (_, response) =>
        {
            if (response.Url.EndsWith("/api/auth/refresh", StringComparison.Ordinal) && response.Status == 200)
            {
                Interlocked.Increment(ref refreshes);
            }
        };
        await alice.RegisterAsync();
        const string room = "token-check";
        await alice.CreateRoomAsync(room);
        const string readToken = "() => JSON.parse(localStorage.getItem('synapse.session')).accessToken";
        var firstToken = await alice.Page.EvaluateAsync<string>(readToken);
        Interlocked.Exchange(ref refreshes, 0);

        // Nobody does anything: two refreshes go by, each a new token, still signed in and connected.
        for (var i = 0; i < 100 && Volatile.Read(ref refreshes) < 2; i++)
        {
            await alice.Page.WaitForTimeoutAsync(200);
        }

        Assert.True(Volatile.Read(ref refreshes) >= 2, $"{Volatile.Read(ref refreshes)} silent refreshes in 20 s");
        Assert.NotEqual(firstToken, await alice.Page.EvaluateAsync<string>(readToken));
        await alice.ExpectConnectedAsync();
        await alice.SendAsync("Still here after two refreshes");
        await Expect(alice.Message("Still here after two refreshes")).ToHaveAttributeAsync("data-status", "sent");

        // A token the server refuses (REST answers 401, the socket is refused): the client
        // refreshes and carries on, without showing the sign-in form.
        var before = Volatile.Read(ref refreshes);
        await alice.Page.EvaluateAsync("""
            () => {
              const session = JSON.parse(localStorage.getItem('synapse.session'));
              session.accessToken = 'not-a-valid-token';
              session.accessTokenExpiresAt = new Date(Date.now() + 3600_000).toISOString();
              localStorage.setItem('synapse.session', JSON.stringify(session));
            }
            """);
        await alice.Page.ReloadAsync();
        await alice.ExpectConnectedAsync(15_000);
        await Expect(alice.Page.GetByTestId("auth-login")).ToHaveCountAsync(0);
        await Expect(alice.RoomItem(room)).ToContainTextAsync("Still here after two refreshes");
        Assert.True(Volatile.Read(ref refreshes) > before, "the refused token was replaced by a refresh");
        await alice.SendAsync("And after a refused token");
        await Expect(alice.Message("And after a refused token")).ToHaveAttributeAsync("data-status", "sent");

        // The refused requests are logged by the browser as failed loads (401). socket.io-client
        // closes the refused connection's session itself, so a long-polling request of that
        // session still in flight is answered "unknown session" (400), as Node answers it; and
        // when the refusal comes while it is still probing the WebSocket upgrade, the probe it
        // abandons is a warning. Nothing else.
        alice.AssertNoConsoleErrors(new Regex(@"status of 401|status of 400 \(Bad Request\) \(http://[^)]*/socket\.io/\?EIO=4&transport=polling|WebSocket is closed before the connection is established", RegexOptions.IgnoreCase));
    });

    [Fact]
    public Task History_loads_older_pages_when_scrolling_up_with_day_separators_and_times() => Scenario.RunAsync(browser.Browser, TestBudget, async scenario =>
    {
        var server = scenario.Track(await SynapseServer.StartAsync(settings: Settings));
        var carol = await server.RegisterAsync("carol", displayName: "Carol Diaz");
        var roomId = await server.CreateRoomAsync(carol);
        var roomName = (await server.GetAsync($"/api/rooms/{roomId}", carol.AccessToken)).Body.GetProperty("name").GetString()!;

        // 100 messages over three days (the client reads 40 at a time), stored in order: 30 three
        // days ago and 30 yesterday from 11:20 UTC a minute apart, 40 in the last 40 seconds.
        var store = server.Services.GetRequiredService<IMessageStore>();
        var now = DateTimeOffset.UtcNow;
        var noon = new DateTimeOffset(now.UtcDateTime.Date.AddHours(12), TimeSpan.Zero);
        var times = Enumerable.Range(0, 30).Select(i => noon.AddDays(-3).AddMinutes(i - 40))
            .Concat(Enumerable.Range(0, 30).Select(i => noon.AddDays(-1).AddMinutes(i - 40)))
            .Concat(Enumerable.Range(0, 40).Select(i => now.AddSeconds(i - 40)))
            .ToArray();
        for (var i = 0; i < times.Length; i++)
        {
            await store.InsertMessageAsync(new NewMessage(Ids.NewMessageId(), roomId, carol.Id, $"History line {i + 1:D3}", null, null, times[i]), CancellationToken.None);
        }

        var alice = await scenario.OpenAsync(server.BaseUri, "alice");
        await alice.RegisterAsync();
        await alice.JoinRoomAsync(roomName);

        // The newest page first, scrolled to the bottom.
        await Expect(alice.Message("History line 100")).ToBeVisibleAsync();
        await Expect(alice.Message("History line 001")).ToHaveCountAsync(0);
        var shown = await alice.Messages.CountAsync();
        Assert.InRange(shown, 40, 99);

        // Scrolling up loads older pages until the beginning.
        var scroller = alice.Page.Locator(".message-scroller");
        for (var i = 0; i < 20 && await alice.Page.GetByText("This is the beginning of").CountAsync() == 0; i++)
        {
            await scroller.EvaluateAsync("el => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); }");
            await alice.Page.WaitForTimeoutAsync(300);
        }

        await Expect(alice.Page.GetByText("This is the beginning of")).ToBeVisibleAsync();
        await Expect(alice.Messages).ToHaveCountAsync(100);
        await Expect(alice.Message("History line 001")).ToHaveCountAsync(1);
        await alice.ScreenshotAsync("11-history-beginning");

        // One separator per day: Today, Yesterday, and the date three days ago (the browser is in UTC).
        var separators = alice.Page.GetByTestId("message-list").Locator(".day-separator");
        await Expect(separators).ToHaveCountAsync(3);
        // The invariant culture's names are the English ones (the tests run without ICU).
        var english = System.Globalization.CultureInfo.InvariantCulture;
        var threeDaysAgo = times[0].UtcDateTime;
        var expectedDay = threeDaysAgo.ToString(threeDaysAgo.Year == now.Year ? "dddd, MMMM d" : "dddd, MMMM d, yyyy", english);
        await Expect(separators).ToHaveTextAsync([expectedDay, "Yesterday", "Today"]);

        // Each message tells its time (here the first of a group, "11:20 AM" in the browser's time zone).
        await Expect(alice.Message("History line 001").Locator("time").First).ToHaveTextAsync("11:20 AM");

        alice.AssertNoConsoleErrors();
    });

    [Fact]
    public Task A_message_the_server_refuses_is_shown_failed_and_Retry_sends_it_once() => Scenario.RunAsync(browser.Browser, TestBudget, async scenario =>
    {
        var server = scenario.Track(await SynapseServer.StartAsync(settings: Settings));
        var alice = await scenario.OpenAsync(server.BaseUri, "alice");
        var bob = await scenario.OpenAsync(server.BaseUri, "bob");
        await alice.RegisterAsync();
        await bob.RegisterAsync();
        // Alice's private room; she adds Bob (through the API), he opens it from his list.
        const string room = "incident-42";
        await alice.Page.GetByTestId("new-room-name").FillAsync(room);
        await alice.Page.GetByTestId("new-room-private").CheckAsync();
        await alice.Page.GetByTestId("new-room-create").ClickAsync();
        await Expect(alice.Page.Locator("#conversation-title")).ToHaveTextAsync(room);
        var roomId = await alice.RoomItem(room).GetAttributeAsync("data-room-id");
        var bobId = await bob.Page.EvaluateAsync<string>("() => JSON.parse(localStorage.getItem('synapse.session')).user.id");
        var token = (await server.PostAsync("/api/auth/login", new { userName = alice.UserName, password = alice.Password })).Body.GetProperty("accessToken").GetString();
        Assert.Equal(201, (await server.PostAsync($"/api/rooms/{roomId}/members", new { userId = bobId }, token)).Status);
        await Expect(bob.RoomItem(room)).ToBeVisibleAsync();
        await bob.OpenRoomAsync(room);
        await bob.SendAsync("On it");
        await Expect(alice.Message("On it")).ToHaveCountAsync(1);

        // While Bob's network is down, Alice removes him from the room.
        await bob.Context.SetOfflineAsync(true);
        await Expect(bob.Page.GetByTestId("connection-status")).ToHaveAttributeAsync("data-state", "offline");
        Assert.Equal(204, (await server.DeleteAsync($"/api/rooms/{roomId}/members/{bobId}", token)).Status);

        // Bob writes: queued while offline; back online, the server refuses it: failed, with Retry.
        await bob.SendAsync("Deploying the fix now");
        await Expect(bob.Message("Deploying the fix now")).ToHaveAttributeAsync("data-status", "pending");
        await bob.Context.SetOfflineAsync(false);
        await bob.ExpectConnectedAsync(20_000);
        var failed = bob.Message("Deploying the fix now");
        await Expect(failed).ToHaveAttributeAsync("data-status", "failed");
        await Expect(failed).ToContainTextAsync("Not sent");
        await Expect(failed.GetByTestId("message-retry")).ToBeVisibleAsync();
        await bob.ScreenshotAsync("12-message-failed");
        await Expect(alice.Message("Deploying the fix now")).ToHaveCountAsync(0);
        await Expect(bob.RoomItem(room)).ToHaveCountAsync(0);

        // Alice adds him back; Retry sends it, once.
        Assert.Equal(201, (await server.PostAsync($"/api/rooms/{roomId}/members", new { userId = bobId }, token)).Status);
        await Expect(bob.RoomItem(room)).ToBeVisibleAsync();
        await failed.GetByTestId("message-retry").ClickAsync();
        await Expect(bob.Message("Deploying the fix now")).ToHaveAttributeAsync("data-status", "sent");
        await Expect(alice.Message("Deploying the fix now")).ToHaveCountAsync(1);
        await Expect(bob.Message("Deploying the fix now")).ToHaveCountAsync(1);

        alice.AssertNoConsoleErrors();
        bob.AssertNoConsoleErrors(new Regex("WebSocket connection to|Failed to load resource|net::ERR_", RegexOptions.IgnoreCase));
    });

    [Fact]
    public Task An_audio_call_can_be_declined_and_the_caller_hanging_up_ends_it_for_both() => Scenario.RunAsync(browser.Browser, TestBudget, async scenario =>
    {
        var server = scenario.Track(await SynapseServer.StartAsync(settings: Settings));
        var alice = await scenario.OpenAsync(server.BaseUri, "alice", "Alice Martin");
        var bob = await scenario.OpenAsync(server.BaseUri, "bob", "Bob Chen");
        await alice.RegisterAsync();
        await bob.RegisterAsync();
        const string room = "support";
        await alice.CreateRoomAsync(room);
        await bob.JoinRoomAsync(room);
        var startAudio = alice.Page.GetByTestId("call-start-audio");
        await Expect(startAudio).ToBeEnabledAsync();

        // Bob declines: Alice's call ends as declined.
        await startAudio.ClickAsync();
        await Expect(bob.Page.GetByTestId("call-incoming")).ToContainTextAsync("Incoming audio call");
        await bob.Page.GetByRole(AriaRole.Button, new() { Name = "Decline" }).ClickAsync();
        await Expect(alice.Page.GetByTestId("call-status")).ToHaveAttributeAsync("data-state", "ended");
        await Expect(alice.Page.GetByTestId("call-status")).ToContainTextAsync("Call declined");

        // Alice calls again; Bob accepts (the dialog's focus is on Accept: Enter); both connect.
        await Expect(startAudio).ToBeEnabledAsync();
        await startAudio.ClickAsync();
        await Expect(bob.Page.GetByTestId("call-accept")).ToBeFocusedAsync();
        await bob.Page.Keyboard.PressAsync("Enter");
        await Expect(alice.Page.GetByTestId("call-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 20_000 });
        await Expect(bob.Page.GetByTestId("call-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 20_000 });
        await Expect(alice.Page.Locator("video.remote-video")).ToHaveCountAsync(0);

        // Alice, the caller, hangs up: it ends for both.
        await alice.Page.GetByTestId("call-hangup").ClickAsync();
        await Expect(alice.Page.GetByTestId("call-status")).ToHaveAttributeAsync("data-state", "ended");
        await Expect(bob.Page.GetByTestId("call-status")).ToHaveAttributeAsync("data-state", "ended");
        await Expect(bob.Page.GetByTestId("call-hangup")).ToHaveCountAsync(0);

        alice.AssertNoConsoleErrors();
        bob.AssertNoConsoleErrors();
    });

    [Fact]
    public Task On_a_phone_in_the_dark_everything_fits_has_a_name_and_works_by_keyboard() => Scenario.RunAsync(browser.Browser, TestBudget, async scenario =>
    {
        var server = scenario.Track(await SynapseServer.StartAsync(settings: Settings));
        var phone = new ViewportSize { Width = 390, Height = 844 };
        var alice = await scenario.OpenAsync(server.BaseUri, "alice", "Alice Martin", phone, ColorScheme.Dark);
        var bob = await scenario.OpenAsync(server.BaseUri, "bob", "Bob Chen");

        // The system's dark theme is used; the sign-in form has labels and no overflow.
        await Expect(alice.Page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        Assert.True(await IsDarkAsync(alice.Page), "the dark theme's background is dark");
        await AssertUsableAsync(alice.Page, "sign-in");
        await Expect(alice.Page.GetByLabel("User name")).ToBeVisibleAsync();
        await Expect(alice.Page.GetByLabel("Password")).ToBeVisibleAsync();

        await alice.RegisterAsync();
        await bob.RegisterAsync();
        await AssertUsableAsync(alice.Page, "room list");
        const string room = "night-shift";
        await bob.CreateRoomAsync(room);

        // On a phone the list and the conversation take turns; Back returns to the list.
        await alice.JoinRoomAsync(room);
        await bob.SendAsync($"Anyone around, @{alice.UserName}?");
        await Expect(alice.Page.GetByRole(AriaRole.Navigation, new() { Name = "Rooms and conversations" })).ToBeHiddenAsync();
        await Expect(alice.Message("Anyone around")).ToBeVisibleAsync();
        await AssertUsableAsync(alice.Page, "conversation");

        // The keyboard: Enter sends; Shift+Enter makes a new line.
        var input = alice.Page.GetByTestId("message-input");
        await input.FocusAsync();
        await alice.Page.Keyboard.TypeAsync("Here!");
        await alice.Page.Keyboard.PressAsync("Shift+Enter");
        await alice.Page.Keyboard.TypeAsync("What's up?");
        await alice.Page.Keyboard.PressAsync("Enter");
        await Expect(bob.Message("Here!")).ToContainTextAsync("What's up?");
        await Expect(input).ToBeFocusedAsync();

        // A reaction by keyboard (the mouse away): Shift+Tab back from the message box to Bob's
        // message's actions, Enter opens the picker, arrows move, Enter reacts; the focus returns.
        await alice.Page.Mouse.MoveAsync(0, 0);
        var react = alice.Message("Anyone around").GetByTestId("message-react");
        await TabToAsync(alice.Page, react, backwards: true);
        await alice.Page.Keyboard.PressAsync("Enter");
        await Expect(alice.Page.GetByRole(AriaRole.Menuitem, new() { Name = "React with 👍" })).ToBeFocusedAsync();
        await alice.Page.Keyboard.PressAsync("ArrowRight");
        await Expect(alice.Page.GetByRole(AriaRole.Menuitem, new() { Name = "React with ❤️" })).ToBeFocusedAsync();
        await alice.Page.Keyboard.PressAsync("Enter");
        await Expect(bob.Message("Anyone around").GetByTestId("reaction")).ToHaveAttributeAsync("data-emoji", "❤️");
        await Expect(react).ToBeFocusedAsync();
        await alice.Page.Keyboard.PressAsync("Enter");
        await Expect(alice.Page.GetByRole(AriaRole.Menu)).ToBeVisibleAsync();
        await alice.Page.Keyboard.PressAsync("Escape");
        await Expect(alice.Page.GetByRole(AriaRole.Menu)).ToHaveCountAsync(0);
        await Expect(react).ToBeFocusedAsync();

        // Delete asks first: the dialog takes the focus, Escape cancels and gives it back.
        await input.FocusAsync();
        var delete = alice.Message("Here!").GetByTestId("message-delete");
        await TabToAsync(alice.Page, delete, backwards: true);
        await alice.Page.Keyboard.PressAsync("Enter");
        await Expect(alice.Page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        await AssertFocusInsideAsync(alice.Page, "dialog");
        await alice.Page.Keyboard.PressAsync("Escape");
        await Expect(alice.Page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        await Expect(alice.Message("Here!")).ToHaveCountAsync(1);
        await Expect(delete).ToBeFocusedAsync();

        // Confirmed with the keyboard, the message goes and the message box has the focus.
        await alice.Page.Keyboard.PressAsync("Enter");
        await Expect(alice.Page.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeFocusedAsync();
        await alice.Page.Keyboard.PressAsync("Tab");
        await Expect(alice.Page.GetByTestId("confirm")).ToBeFocusedAsync();
        await alice.Page.Keyboard.PressAsync("Enter");
        await Expect(bob.Message("Here!")).ToHaveCountAsync(0);
        await Expect(input).ToBeFocusedAsync();
        await alice.ScreenshotAsync("13-phone-dark-conversation");

        // The members, on a phone too.
        await alice.Page.GetByTestId("members-toggle").ClickAsync();
        await Expect(alice.Member(bob.UserName)).ToHaveAttributeAsync("data-online", "true");
        await AssertUsableAsync(alice.Page, "member list");
        await alice.Page.GetByRole(AriaRole.Button, new() { Name = "Close the member list" }).ClickAsync();

        await alice.Page.GetByRole(AriaRole.Button, new() { Name = "Back to rooms" }).ClickAsync();
        await Expect(alice.Page.GetByTestId("room-list")).ToBeVisibleAsync();

        // The notification list (Bob's mention is in it) fits the phone too.
        await alice.Page.GetByTestId("notifications-toggle").ClickAsync();
        await Expect(alice.Page.GetByTestId("notification").Filter(new() { HasText = "mentioned you" })).ToBeVisibleAsync();
        await AssertUsableAsync(alice.Page, "notification list");
        await alice.ScreenshotAsync("14-phone-dark-notifications");
        await alice.Page.Keyboard.PressAsync("Escape");
        await Expect(alice.Page.GetByTestId("notifications-toggle")).ToBeFocusedAsync();

        // The theme button cycles system → light → dark.
        var themeButton = alice.Page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Theme: ") });
        await themeButton.ClickAsync();
        await Expect(alice.Page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
        Assert.False(await IsDarkAsync(alice.Page), "the light theme's background is light");
        await themeButton.ClickAsync();
        await Expect(alice.Page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");

        alice.AssertNoConsoleErrors();
        bob.AssertNoConsoleErrors();
    });

    /// <summary>Whether the page's background is dark (relative luminance under 0.2).</summary>
    private static Task<bool> IsDarkAsync(IPage page) => page.EvaluateAsync<bool>("""
        () => {
          const rgb = getComputedStyle(document.body).backgroundColor.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
          const [r, g, b] = rgb.map(c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
          return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.2;
        }
        """);

    /// <summary>
    /// The screen fits its width (no sideways scrolling), and every visible control has an
    /// accessible name (its label, aria-label, aria-labelledby or text).
    /// </summary>
    private static async Task AssertUsableAsync(IPage page, string screen)
    {
        var problems = await page.EvaluateAsync<string[]>("""
            () => {
              const problems = [];
              const root = document.documentElement;
              if (root.scrollWidth > root.clientWidth + 1) problems.push(`the page is ${root.scrollWidth}px wide in a ${root.clientWidth}px window`);
              const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
              const nameOf = el => {
                const label = el.getAttribute('aria-label');
                if (label && label.trim()) return label;
                const by = el.getAttribute('aria-labelledby');
                if (by) return by.split(/\s+/).map(id => document.getElementById(id)?.textContent ?? '').join(' ').trim();
                if (el.labels && el.labels.length) return [...el.labels].map(l => l.textContent).join(' ').trim();
                return (el.textContent ?? '').trim() || el.getAttribute('title') || '';
              };
              for (const el of document.querySelectorAll('button, input, textarea, select, a[href], [role=button], [role=menuitem], [role=option]')) {
                if (!visible(el) || el.type === 'hidden') continue;
                if (!nameOf(el)) problems.push(`unnamed ${el.tagName.toLowerCase()} ${el.className} ${el.getAttribute('data-testid') ?? ''}`.trim());
              }
              for (const el of document.querySelectorAll('body *')) {
                if (!visible(el)) continue;
                const r = el.getBoundingClientRect();
                if ((r.right > root.clientWidth + 1 || r.left < -1) && !el.closest('.message-scroller, .room-list')) {
                  problems.push(`${el.tagName.toLowerCase()}.${el.className} spans ${Math.round(r.left)}-${Math.round(r.right)}px, outside the ${root.clientWidth}px window`);
                }
              }
              return problems.slice(0, 10);
            }
            """);
        Assert.True(problems.Length == 0, $"{screen}:\n{string.Join("\n", problems)}");
    }

    /// <summary>Presses Tab (or Shift+Tab) until <paramref name="target"/> has the focus, a bounded number of times.</summary>
    private static async Task TabToAsync(IPage page, ILocator target, bool backwards, int maxPresses = 20)
    {
        for (var i = 0; i < maxPresses && !await target.EvaluateAsync<bool>("el => el === document.activeElement"); i++)
        {
            await page.Keyboard.PressAsync(backwards ? "Shift+Tab" : "Tab");
        }

        await Expect(target).ToBeFocusedAsync();
    }

    private static async Task AssertFocusInsideAsync(IPage page, string selector)
    {
        var inside = await page.EvaluateAsync<bool>("s => !!document.activeElement?.closest(s)", selector);
        Assert.True(inside, $"the focus is inside {selector}");
    }
}
