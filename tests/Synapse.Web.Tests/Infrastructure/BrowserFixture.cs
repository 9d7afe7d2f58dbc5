using Microsoft.Playwright;

namespace Synapse.Web.Tests.Infrastructure;

/// <summary>
/// One headless Chromium for the whole test run: Debian's <c>/usr/bin/chromium</c> (or
/// <c>SYNAPSE_CHROMIUM</c>) driven by Playwright, with the flags this machine needs (no sandbox as
/// root, no background networking on a closed network) and fake camera and microphone for calls.
/// Playwright gives the browser a fresh, temporary profile (<c>--user-data-dir</c>).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>The browser's flags.</summary>
    public static readonly string[] ChromiumArgs =
    [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        "--allow-loopback-in-peer-connection",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The browser.</summary>
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Not started.");

    /// <summary>The Chromium executable.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("SYNAPSE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"Chromium is not installed at {ExecutablePath}: run scripts/test (it installs Debian's chromium) or set SYNAPSE_CHROMIUM.");
        }

        Assertions.SetDefaultExpectTimeout(10_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ChromiumArgs,
            Timeout = 30_000,
        });
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>The tests that share the browser.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "browser";
}
