namespace Synapse.SocketIO.Tests.Infrastructure;

/// <summary>Locates the repository: the nearest folder above the test binaries that holds <c>Synapse.slnx</c>.</summary>
public static class RepoRoot
{
    private static readonly Lazy<string> Root = new(Find);

    /// <summary>The repository root (absolute path).</summary>
    public static string Path => Root.Value;

    /// <summary>A path under the repository root.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Synapse.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Synapse.slnx above {AppContext.BaseDirectory}.");
    }
}
