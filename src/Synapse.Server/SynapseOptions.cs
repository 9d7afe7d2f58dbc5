namespace Synapse.Server;

/// <summary>
/// The application's general settings: configuration section <c>Synapse</c>
/// (<c>Synapse__DataDirectory</c> in the environment, <c>--Synapse:DataDirectory</c> on the command line).
/// </summary>
public sealed class SynapseOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Synapse";

    /// <summary>
    /// Where the database and the generated token-signing key live; created on first run. A
    /// relative path is taken from the content root (the project folder under <c>dotnet run</c>).
    /// </summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The absolute path of <see cref="DataDirectory"/>, taken from <paramref name="contentRootPath"/> when relative.</summary>
    public string GetDataDirectoryPath(string contentRootPath) => Path.GetFullPath(DataDirectory, contentRootPath);

    /// <summary>
    /// Browser origins allowed to call the REST API and the Socket.IO endpoint (CORS), such as a
    /// web client's dev server. Empty: same-origin and non-browser clients only.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];
}
