using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Synapse.Server;
using Synapse.Server.Storage;
using Synapse.SocketIO.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.Services.Configure<SynapseOptions>(builder.Configuration.GetSection("Synapse"));
builder.Services.AddSingleton<Database>();
builder.Services.AddSocketIO();

var app = builder.Build();
var database = app.Services.GetRequiredService<Database>();
await database.InitializeAsync();

app.MapGet("/api/health", () => Results.Ok(new { status = "ok" }));
app.MapSocketIO();

app.Lifetime.ApplicationStarted.Register(() =>
{
    var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
    app.Logger.LogInformation("Synapse listening on {Addresses}; data in {DataDirectory}", string.Join(", ", addresses), database.DataDirectory);
});

await app.RunAsync();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
