using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Synapse.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Synapse.Web.Tests;

/// <summary>
/// The issue's end-to-end scenarios, in headless Chromium against the real server (in-process on
/// 127.0.0.1, its own data folder): two browser contexts are two people.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatScenarioTests(BrowserFixture browser)
{
    private static readonly TimeSpan TestBudget = TimeSpan.FromSeconds(90);

    // The production typing timeout (the shared test host shortens it to 1 s).
    private static readonly Dictionary<string, string> Settings = new() { ["Synapse:Realtime:TypingTimeout"] = "00:00:05" };

    [Fact]
    public Task Two_people_chat_in_a_room_with_typing_presence_reactions_edits_and_deletes() => Scenario.RunAsync(browser.Browser, TestBudget, async scenario =>
    {
        var server = scenario.Track(await SynapseServer.StartAsync(settings: Settings));
        var alice = await scenario.OpenAsync(server.BaseUri, "alice", "Alice Martin");
        var bob = await scenario.OpenAsync(server.BaseUri, "bob", "Bob Chen", colorScheme: ColorScheme.Dark);

        // Sign up (Bob's browser prefers the dark theme).
        await Expect(alice.Page.GetByTestId("auth-register")).ToBeVisibleAsync();
        await alice.ScreenshotAsync("01-sign-in");
        await alice.RegisterAsync();
        await bob.RegisterAsync();

        // Alice creates a public room; Bob finds it and joins.
        const string room = "design-review";
        await alice.CreateRoomAsync(room);
        await bob.JoinRoomAsync(room);

        // Presence: each sees the other online in the member list.
        await Expect(alice.Member(bob.UserName)).ToHaveAttributeAsync("data-online", "true");
        await Expect(bob.Member(alice.UserName)).ToHaveAttributeAsync("data-online", "true");

        // Messages both ways, delivered once, shown as sent.
        await alice.SendAsync("Morning! The new onboarding flow is ready for a look 🎨");
        await Expect(bob.Message("new onboarding flow")).ToHaveCountAsync(1);
        await Expect(alice.Message("new onboarding flow")).ToHaveAttributeAsync("data-status", "sent");
        await bob.SendAsync($"Nice, @{alice.UserName}! Checking it now.");
        await Expect(alice.Message("Checking it now")).ToHaveCountAsync(1);
        await Expect(bob.Message("Checking it now")).ToHaveAttributeAsync("data-status", "sent");

        // The mention reached Alice as a toast and in her notification list.
        await Expect(alice.Page.GetByTestId("toast").Filter(new() { HasText = $"{bob.DisplayName} mentioned you" })).ToBeVisibleAsync();
        await Expect(alice.Page.GetByTestId("notifications-unread")).ToHaveTextAsync("1");
        await Expect(alice.Message("Checking it now").Locator(".mention.mine")).ToHaveTextAsync("@" + alice.UserName);

        // Typing, both ways: shown while typing, gone when the text is cleared.
        await bob.Page.GetByTestId("message-input").PressSequentiallyAsync("Looks gr", new() { Delay = 20 });
        await Expect(alice.Page.GetByTestId("typing-indicator")).ToContainTextAsync($"{bob.DisplayName} is typing");
        await bob.Page.GetByTestId("message-input").FillAsync(string.Empty);
        await Expect(alice.Page.GetByTestId("typing-indicator")).ToHaveAttributeAsync("data-active", "false");
        await alice.Page.GetByTestId("message-input").PressSequentiallyAsync("One th", new() { Delay = 20 });
        await Expect(bob.Page.GetByTestId("typing-indicator")).ToContainTextAsync($"{alice.DisplayName} is typing");
        await alice.Page.GetByTestId("message-input").FillAsync(string.Empty);
        await Expect(bob.Page.GetByTestId("typing-indicator")).ToHaveAttributeAsync("data-active", "false");

        // Reactions: Bob reacts, Alice sees it; Alice adds hers by clicking the chip: 2, with who.
        await bob.ReactAsync("new onboarding flow", "🎉");
        var aliceReaction = alice.Message("new onboarding flow").GetByTestId("reaction");
        await Expect(aliceReaction).ToContainTextAsync("1");
        await aliceReaction.ClickAsync();
        await Expect(bob.Message("new onboarding flow").GetByTestId("reaction")).ToContainTextAsync("2");
        await Expect(aliceReaction).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(aliceReaction).ToHaveAttributeAsync("aria-label", new Regex($"{bob.DisplayName}, you"));

        // A reply and a few more lines, for a conversation worth a screenshot.
        await alice.MessageActionAsync("Checking it now", "message-reply");
        await alice.SendAsync("Thanks! Start with the sign-up screen, it changed the most.");
        await Expect(bob.Message("Start with the sign-up screen").Locator(".reply-quote")).ToContainTextAsync("Checking it now");
        await bob.SendAsync("The empty states are lovely. One nit: the avatar sizes differ between the list and the header.");
        await alice.ReactAsync("The empty states are lovely", "👍");
        await Expect(bob.Message("The empty states are lovely").GetByTestId("reaction")).ToContainTextAsync("1");

        // A direct conversation: Bob finds Alice by name and writes; Alice's list shows it unread
        // with the last message.
        await bob.OpenDirectAsync(alice);
        await bob.SendAsync("Lunch at 1? 🍜");
        var direct = alice.RoomItem(bob.DisplayName);
        await Expect(direct.GetByTestId("unread-count")).ToHaveTextAsync("1");
        await Expect(direct).ToContainTextAsync("Lunch at 1?");
        await bob.OpenRoomAsync(room);

        // The main screens, while Bob types.
        await alice.DismissToastsAsync();
        await bob.Page.GetByTestId("message-input").PressSequentiallyAsync("Also", new() { Delay = 20 });
        await Expect(alice.Page.GetByTestId("typing-indicator")).ToContainTextAsync("is typing");
        await alice.Page.GetByTestId("message-input").FocusAsync();
        await alice.ScreenshotAsync("02-chat-alice");
        await bob.ScreenshotAsync("03-chat-bob-dark");
        await bob.Page.GetByTestId("message-input").FillAsync(string.Empty);

        // Alice reads the direct message (no longer unread) and answers; Bob sees it in his list.
        await alice.OpenRoomAsync(bob.DisplayName);
        await Expect(direct.GetByTestId("unread-count")).ToHaveCountAsync(0);
        await alice.SendAsync("Sure, see you there!");
        await Expect(bob.RoomItem(alice.DisplayName).GetByTestId("unread-count")).ToHaveTextAsync("1");
        await alice.OpenRoomAsync(room);

        // Edit: Alice changes her message; Bob sees the new text, marked edited.
        await alice.MessageActionAsync("Start with the sign-up screen", "message-edit");
        var editor = alice.Page.GetByTestId("message-edit-input");
        await editor.FillAsync("Thanks! Start with the sign-up screen — it changed the most.");
        await editor.PressAsync("Enter");
        await Expect(bob.Message("sign-up screen — it changed")).ToContainTextAsync("(edited)");
        await Expect(alice.Message("sign-up screen — it changed")).ToContainTextAsync("(edited)");

        // Delete: Alice deletes it; it disappears on both sides.
        await alice.MessageActionAsync("sign-up screen — it changed", "message-delete");
        await alice.Page.GetByTestId("confirm").ClickAsync();
        await Expect(bob.Message("sign-up screen")).ToHaveCountAsync(0);
        await Expect(alice.Message("sign-up screen")).ToHaveCountAsync(0);
        await Expect(bob.Messages).ToHaveCountAsync(3);
        await Expect(alice.Messages).ToHaveCountAsync(3);

        // Presence: Bob leaves (closes his browser); Alice sees him offline.
        await bob.DisposeAsync();
        await Expect(alice.Member(bob.UserName)).ToHaveAttributeAsync("data-online", "false");

        alice.AssertNoConsoleErrors();
        bob.AssertNoConsoleErrors();
    });

    [Fact]
    public Task A_message_written_offline_is_delivered_once_after_the_server_restarts() => Scenario.RunAsync(browser.Browser, TestBudget, async scenario =>
    {
        var dataDirectory = scenario.Track(new TemporaryDataDirectory()).Path;
        var first = scenario.Track(await SynapseServer.StartAsync(dataDirectory, Settings));
        var port = first.BaseUri.Port;
        var alice = await scenario.OpenAsync(first.BaseUri, "alice");
        var bob = await scenario.OpenAsync(first.BaseUri, "bob");
        await alice.RegisterAsync();
        await bob.RegisterAsync();
        const string room = "release-planning";
        await alice.CreateRoomAsync(room);
        await bob.JoinRoomAsync(room);
        await alice.SendAsync("Before the outage");
        await Expect(bob.Message("Before the outage")).ToHaveCountAsync(1);

        // Alice's network goes down: offline. The server stops: Bob reconnects, attempt after attempt.
        await alice.Context.SetOfflineAsync(true);
        await Expect(alice.Page.GetByTestId("connection-status")).ToHaveAttributeAsync("data-state", "offline");
        await first.DisposeAsync();
        await Expect(bob.Page.GetByTestId("connection-status")).ToHaveAttributeAsync("data-state", "reconnecting");
        await Expect(bob.Page.GetByTestId("connection-status")).ToContainTextAsync(new Regex(@"attempt \d+"));

        // Alice writes while offline: shown at once, pending, queued.
        await alice.SendAsync("Written while offline");
        await Expect(alice.Message("Written while offline")).ToHaveAttributeAsync("data-status", "pending");
        await Expect(alice.Page.GetByTestId("connection-status")).ToContainTextAsync("1 waiting to send");
        await alice.ScreenshotAsync("04-offline-queued");
        await bob.ScreenshotAsync("05-reconnecting");

        // The server comes back on the same data folder and port; Bob reconnects and writes
        // while Alice is still offline: she fetches it when she is back (?after=).
        var second = scenario.Track(await SynapseServer.StartAsync(dataDirectory, new Dictionary<string, string>(Settings) { ["urls"] = $"http://127.0.0.1:{port}" }));
        await bob.ExpectConnectedAsync(20_000);
        await bob.SendAsync("Sent while Alice was away");

        // Alice is back: the queued message goes out once; she gets what she missed once.
        await alice.Context.SetOfflineAsync(false);
        await alice.ExpectConnectedAsync(20_000);
        await Expect(alice.Message("Written while offline")).ToHaveAttributeAsync("data-status", "sent");
        await Expect(bob.Message("Written while offline")).ToHaveCountAsync(1);
        await Expect(alice.Message("Sent while Alice was away")).ToHaveCountAsync(1);

        // No late duplicates (a retried send, a replayed page, a second broadcast).
        await alice.Page.WaitForTimeoutAsync(1_500);
        await Expect(bob.Message("Written while offline")).ToHaveCountAsync(1);
        await Expect(alice.Message("Written while offline")).ToHaveCountAsync(1);
        await Expect(alice.Message("Sent while Alice was away")).ToHaveCountAsync(1);
        await Expect(alice.Messages).ToHaveCountAsync(3);
        await Expect(bob.Messages).ToHaveCountAsync(3);

        // The server stored it once.
        var login = await second.PostAsync("/api/auth/login", new { userName = bob.UserName, password = bob.Password });
        var token = login.Body.GetProperty("accessToken").GetString();
        var rooms = await second.GetAsync("/api/rooms", token);
        var roomId = rooms.Body.GetProperty("rooms").EnumerateArray().Single(r => r.GetProperty("name").GetString() == room).GetProperty("id").GetString();
        var history = await second.GetAsync($"/api/rooms/{roomId}/messages", token);
        Assert.Single(history.Body.GetProperty("messages").EnumerateArray(), m => m.GetProperty("content").GetString() == "Written while offline");

        // While the server was down the browsers logged failed connection attempts; nothing else.
        var network = new Regex("WebSocket connection to|Failed to load resource|net::ERR_", RegexOptions.IgnoreCase);
        alice.AssertNoConsoleErrors(network);
        bob.AssertNoConsoleErrors(network);
    });

    [Fact]
    public Task A_video_call_connects_both_sides_and_hanging_up_ends_it_for_both() => Scenario.RunAsync(browser.Browser, TestBudget, async scenario =>
    {
        var server = scenario.Track(await SynapseServer.StartAsync(settings: Settings));
        var alice = await scenario.OpenAsync(server.BaseUri, "alice", "Alice Martin");

        // Bob is on a phone-sized screen.
        var bob = await scenario.OpenAsync(server.BaseUri, "bob", "Bob Chen", new ViewportSize { Width = 390, Height = 844 });
        await alice.RegisterAsync();
        await bob.RegisterAsync();
        const string room = "standup";
        await alice.CreateRoomAsync(room);
        await bob.FindRoomAsync(room);
        await bob.ScreenshotAsync("06-phone-rooms");
        await bob.JoinRoomAsync(room);
        await Expect(alice.Page.GetByTestId("call-start")).ToBeEnabledAsync();

        // Alice calls; Bob's incoming-call dialog rings; he accepts.
        await alice.Page.GetByTestId("call-start").ClickAsync();
        await Expect(alice.Page.GetByTestId("call-status")).ToHaveAttributeAsync("data-state", "ringing");
        await Expect(bob.Page.GetByTestId("call-incoming")).ToBeVisibleAsync();
        await Expect(bob.Page.GetByTestId("call-status")).ToHaveAttributeAsync("data-state", "ringing");
        await bob.ScreenshotAsync("07-phone-incoming-call");
        await bob.Page.GetByTestId("call-accept").ClickAsync();

        // WebRTC through the server's call:signal: both peer connections reach "connected".
        await Expect(alice.Page.GetByTestId("call-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 20_000 });
        await Expect(bob.Page.GetByTestId("call-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 20_000 });

        // The other side's video plays (Chromium's fake camera).
        await Expect(alice.Page.Locator("video.remote-video")).ToBeVisibleAsync();
        await alice.Page.WaitForFunctionAsync("() => { const v = document.querySelector('video.remote-video'); return v && v.videoWidth > 0 && v.currentTime > 0; }", null, new() { Timeout = 15_000 });
        await alice.ScreenshotAsync("08-call-connected");
        await bob.ScreenshotAsync("09-phone-call-connected");

        // Bob hangs up: it ends for both.
        await bob.Page.GetByTestId("call-hangup").ClickAsync();
        await Expect(bob.Page.GetByTestId("call-status")).ToHaveAttributeAsync("data-state", "ended");
        await Expect(alice.Page.GetByTestId("call-status")).ToHaveAttributeAsync("data-state", "ended");
        await Expect(alice.Page.GetByTestId("call-hangup")).ToHaveCountAsync(0);

        alice.AssertNoConsoleErrors();
        bob.AssertNoConsoleErrors();
    });
}
