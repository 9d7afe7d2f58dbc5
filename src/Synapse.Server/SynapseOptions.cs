namespace Synapse.Server;

/// <summary>The application's settings (section <c>Synapse</c>; <c>Synapse__DataDirectory</c> in the environment).</summary>
public sealed class SynapseOptions
{
    /// <summary>Where the database and generated keys live; relative paths are taken from the working directory.</summary>
    public string DataDirectory { get; set; } = "data";
}
