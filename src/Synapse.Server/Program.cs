using Synapse.Server;

var app = SynapseApp.Create(args);
await app.RunAsync();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
