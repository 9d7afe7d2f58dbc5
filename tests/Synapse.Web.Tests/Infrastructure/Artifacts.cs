namespace Synapse.Web.Tests.Infrastructure;

/// <summary>Where the end-to-end tests save their screenshots: <c>TestResults/web/</c> (ignored by git), or <c>SYNAPSE_ARTIFACTS</c>.</summary>
public static class Artifacts
{
    private static readonly Lazy<string> Folder = new(() =>
    {
        var folder = Environment.GetEnvironmentVariable("SYNAPSE_ARTIFACTS") is { Length: > 0 } configured
            ? configured
            : RepoRoot.Combine("TestResults", "web");
        Directory.CreateDirectory(folder);
        return folder;
    });

    /// <summary>The folder.</summary>
    public static string FolderPath => Folder.Value;

    /// <summary>The path of a screenshot named <paramref name="name"/> (.png added).</summary>
    public static string Screenshot(string name) => Path.Combine(Folder.Value, name + ".png");
}
