using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Synapse.Web.Tests.Infrastructure;

/// <summary>
/// One person using the web client: a browser context of their own (separate storage, as a
/// second browser) with one page, driven through the client's <c>data-testid</c>s. Collects the
/// page's console errors and warnings and its uncaught exceptions.
/// </summary>
public sealed class ChatUser : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _errors = new();

    private ChatUser(IBrowserContext context, IPage page, string userName, string? displayName)
    {
        Context = context;
        Page = page;
        UserName = userName;
        DisplayName = displayName ?? userName;
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                _errors.Enqueue($"console.{message.Type}: {message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => _errors.Enqueue($"uncaught: {error}");
    }

    /// <summary>The browser context (its network can be cut).</summary>
    public IBrowserContext Context { get; }

    /// <summary>The page.</summary>
    public IPage Page { get; }

    /// <summary>The user name (unique per test run).</summary>
    public string UserName { get; }

    /// <summary>The display name (the user name when none was given).</summary>
    public string DisplayName { get; }

    /// <summary>The password.</summary>
    public string Password => "correct horse battery";

    /// <summary>Console errors and warnings and uncaught exceptions so far.</summary>
    public IReadOnlyList<string> Errors => _errors.ToArray();

    /// <summary>Opens the client at the server's root in a new context.</summary>
    public static async Task<ChatUser> OpenAsync(IBrowser browser, Uri server, string prefix, string? displayName = null, ViewportSize? viewport = null, ColorScheme colorScheme = ColorScheme.Light)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.ToString(),
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 800 },
            ColorScheme = colorScheme,
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(10_000);
        context.SetDefaultNavigationTimeout(15_000);
        await context.GrantPermissionsAsync(["microphone", "camera"], new BrowserContextGrantPermissionsOptions { Origin = server.GetLeftPart(UriPartial.Authority) });
        var page = await context.NewPageAsync();
        var user = new ChatUser(context, page, $"{prefix}_{Guid.NewGuid().ToString("N")[..6]}", displayName);
        await page.GotoAsync("/");
        return user;
    }

    /// <summary>Signs up through the form and waits for the connection.</summary>
    public async Task RegisterAsync()
    {
        await Page.GetByTestId("auth-username").FillAsync(UserName);
        await Page.GetByTestId("auth-password").FillAsync(Password);
        if (DisplayName != UserName)
        {
            await Page.GetByRole(AriaRole.Button, new() { Name = "Add a display name" }).ClickAsync();
            await Page.GetByTestId("auth-display-name").FillAsync(DisplayName);
        }

        await Page.GetByTestId("auth-register").ClickAsync();
        await ExpectConnectedAsync();
    }

    /// <summary>Logs in through the form with the keyboard only (Tab, then Enter submits), and waits for the connection.</summary>
    public async Task LoginWithKeyboardAsync()
    {
        var userName = Page.GetByTestId("auth-username");
        await Expect(userName).ToBeFocusedAsync();
        await Page.Keyboard.TypeAsync(UserName);
        await Page.Keyboard.PressAsync("Tab");
        await Expect(Page.GetByTestId("auth-password")).ToBeFocusedAsync();
        await Page.Keyboard.TypeAsync(Password);
        await Page.Keyboard.PressAsync("Enter");
        await ExpectConnectedAsync();
    }

    /// <summary>Logs out with the top bar's button: back to the sign-in form.</summary>
    public async Task LogoutAsync()
    {
        await Page.GetByTestId("logout").ClickAsync();
        await Expect(Page.GetByTestId("auth-login")).ToBeVisibleAsync();
    }

    /// <summary>Waits for <c>connection-status</c> to say connected.</summary>
    public Task ExpectConnectedAsync(float timeout = 10_000) =>
        Expect(Page.GetByTestId("connection-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = timeout });

    /// <summary>Creates a public room with the form; it opens.</summary>
    public async Task CreateRoomAsync(string name)
    {
        await Page.GetByTestId("new-room-name").FillAsync(name);
        await Page.GetByTestId("new-room-create").ClickAsync();
        await Expect(RoomItem(name)).ToBeVisibleAsync();
        await Expect(Page.Locator("#conversation-title")).ToHaveTextAsync(name);
    }

    /// <summary>Refreshes the room list until the room shows (public rooms of others are listed every 20 s otherwise).</summary>
    public async Task FindRoomAsync(string name)
    {
        for (var attempt = 0; attempt < 20 && await RoomItem(name).CountAsync() == 0; attempt++)
        {
            await Page.GetByTestId("rooms-refresh").ClickAsync();
            await Page.WaitForTimeoutAsync(250);
        }

        await Expect(RoomItem(name)).ToBeVisibleAsync();
    }

    /// <summary>Finds a public room and joins it.</summary>
    public async Task JoinRoomAsync(string name)
    {
        await FindRoomAsync(name);
        await RoomItem(name).ClickAsync();
        await Expect(Page.Locator("#conversation-title")).ToHaveTextAsync(name);
        await Expect(Page.GetByTestId("message-input")).ToBeEditableAsync();
    }

    /// <summary>Opens a room (or direct conversation) from the list.</summary>
    public async Task OpenRoomAsync(string name)
    {
        await RoomItem(name).ClickAsync();
        await Expect(Page.Locator("#conversation-title")).ToHaveTextAsync(name);
    }

    /// <summary>Starts a direct conversation by searching for <paramref name="other"/>.</summary>
    public async Task OpenDirectAsync(ChatUser other)
    {
        await Page.GetByTestId("user-search").FillAsync(other.UserName);
        await Page.GetByTestId("user-result").Filter(new() { HasText = other.UserName }).ClickAsync();
        await Expect(Page.Locator("#conversation-title")).ToHaveTextAsync(other.DisplayName);
    }

    /// <summary>The room's entry in the room list.</summary>
    public ILocator RoomItem(string name) => Page.GetByTestId("room-list").GetByTestId("room-item")
        .Filter(new() { Has = Page.Locator(".room-name").Filter(new() { HasTextRegex = new Regex("^" + Regex.Escape(name) + "$") }) });

    /// <summary>Types and sends a message with Enter.</summary>
    public async Task SendAsync(string text)
    {
        var input = Page.GetByTestId("message-input");
        await input.FillAsync(text);
        await input.PressAsync("Enter");
        await Expect(input).ToHaveValueAsync(string.Empty);
    }

    /// <summary>The messages shown.</summary>
    public ILocator Messages => Page.GetByTestId("message-list").GetByTestId("message");

    /// <summary>The messages whose text contains <paramref name="text"/>.</summary>
    public ILocator Message(string text) => Messages.Filter(new() { HasText = text });

    /// <summary>A member in the member list.</summary>
    public ILocator Member(string userName) => Page.GetByTestId("member-list").GetByTestId("member").Filter(new() { HasText = "@" + userName });

    /// <summary>Hovers a message and clicks one of its actions.</summary>
    public async Task MessageActionAsync(string text, string testId)
    {
        var message = Message(text);
        await message.HoverAsync();
        await message.GetByTestId(testId).ClickAsync();
    }

    /// <summary>Reacts to a message with the picker.</summary>
    public async Task ReactAsync(string text, string emoji)
    {
        await MessageActionAsync(text, "message-react");
        await Page.GetByRole(AriaRole.Menuitem, new() { Name = $"React with {emoji}" }).ClickAsync();
    }

    /// <summary>Closes the toasts shown.</summary>
    public async Task DismissToastsAsync()
    {
        var toasts = Page.GetByTestId("toast");
        for (var i = 0; i < 10 && await toasts.CountAsync() > 0; i++)
        {
            await toasts.First.GetByRole(AriaRole.Button, new() { Name = "Dismiss" }).ClickAsync();
        }

        await Expect(toasts).ToHaveCountAsync(0);
    }

    /// <summary>Saves a screenshot of the page under the test artifacts.</summary>
    public async Task ScreenshotAsync(string name)
    {
        // Let animations (toasts, typing dots) settle into a representative frame.
        await Page.WaitForTimeoutAsync(300);
        await Page.ScreenshotAsync(new() { Path = Artifacts.Screenshot(name), Animations = ScreenshotAnimations.Disabled });
    }

    /// <summary>Asserts the page logged no console error or warning and threw nothing, but for those matching <paramref name="allowed"/>.</summary>
    public void AssertNoConsoleErrors(Regex? allowed = null)
    {
        var errors = Errors.Where(e => allowed is null || !allowed.IsMatch(e)).ToArray();
        Assert.True(errors.Length == 0, $"{UserName}'s page logged errors:\n{string.Join("\n", errors)}");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Context.CloseAsync();
        }
        catch (PlaywrightException)
        {
        }
    }
}
