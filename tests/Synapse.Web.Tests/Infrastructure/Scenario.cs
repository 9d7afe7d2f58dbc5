using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace Synapse.Web.Tests.Infrastructure;

/// <summary>
/// One end-to-end scenario: its people (browser contexts), bounded in time. When it fails, a
/// screenshot of every open page is saved (<c>FAILED-{test}-{user}.png</c>) before the contexts
/// close, for the test artifacts.
/// </summary>
public sealed class Scenario(IBrowser browser, string name) : IAsyncDisposable
{
    private readonly List<ChatUser> _users = [];
    private readonly List<IAsyncDisposable> _resources = [];

    /// <summary>Runs <paramref name="body"/> within <paramref name="budget"/>, capturing the pages on failure.</summary>
    public static async Task RunAsync(IBrowser browser, TimeSpan budget, Func<Scenario, Task> body, [CallerMemberName] string name = "")
    {
        await using var scenario = new Scenario(browser, name);
        try
        {
            var run = body(scenario);
            if (await Task.WhenAny(run, Task.Delay(budget)) != run)
            {
                throw new TimeoutException($"The scenario did not finish within {budget.TotalSeconds} s.");
            }

            await run;
        }
        catch
        {
            await scenario.CaptureAsync();
            throw;
        }
    }

    /// <summary>Opens the client for a new person (their own browser context).</summary>
    public async Task<ChatUser> OpenAsync(Uri server, string prefix, string? displayName = null, ViewportSize? viewport = null, ColorScheme colorScheme = ColorScheme.Light)
    {
        var user = await ChatUser.OpenAsync(browser, server, prefix, displayName, viewport, colorScheme);
        _users.Add(user);
        return user;
    }

    /// <summary>Disposes <paramref name="resource"/> (a server) with the scenario, after the pages were captured and closed.</summary>
    public T Track<T>(T resource)
        where T : IAsyncDisposable
    {
        _resources.Add(resource);
        return resource;
    }

    private async Task CaptureAsync()
    {
        foreach (var user in _users)
        {
            try
            {
                if (!user.Page.IsClosed)
                {
                    await user.Page.ScreenshotAsync(new() { Path = Artifacts.Screenshot($"FAILED-{name}-{user.UserName}"), Timeout = 5_000 });
                }
            }
            catch (PlaywrightException)
            {
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var user in _users)
        {
            await user.DisposeAsync();
        }

        foreach (var resource in Enumerable.Reverse(_resources))
        {
            await resource.DisposeAsync();
        }
    }
}

/// <summary>A server data folder that outlives the servers of a scenario (restarts), deleted at its end.</summary>
public sealed class TemporaryDataDirectory : IAsyncDisposable
{
    /// <summary>The folder.</summary>
    public string Path { get; } = SynapseServer.NewDataDirectory();

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}
