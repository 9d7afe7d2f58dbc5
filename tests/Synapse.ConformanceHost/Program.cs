using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Hosting;

// The servers the official protocol test suites expect (socketio/socket.io, docs/*/v*-test-suite).
// Usage: Synapse.ConformanceHost engineio|socketio PORT
if (args.Length < 2 || !int.TryParse(args[1], out var port) || args[0] is not ("engineio" or "socketio"))
{
    Console.Error.WriteLine("usage: Synapse.ConformanceHost engineio|socketio PORT");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseUrls($"http://localhost:{port}");
builder.Logging.SetMinimumLevel(LogLevel.Warning);

if (args[0] == "socketio")
{
    Console.Error.WriteLine("The Socket.IO conformance server arrives with the Socket.IO layer.");
    return 2;
}

builder.Services.AddEngineIO(options =>
{
    options.PingInterval = TimeSpan.FromMilliseconds(300);
    options.PingTimeout = TimeSpan.FromMilliseconds(200);
    options.MaxHttpBufferSize = 1_000_000;
    options.Cors = new EngineCorsOptions().AllowAnyOrigin();
});

var app = builder.Build();
app.MapEngineIO("/engine.io/", socket => socket.Message += (s, message) =>
{
    // Echo, as the suite's reference server does.
    if (message.IsBinary)
    {
        s.Send(message.Data);
    }
    else
    {
        s.Send(EnginePacket.TextMessage(message.Data.Span));
    }
});

Console.WriteLine($"Engine.IO conformance server on http://localhost:{port}/engine.io/");
await app.RunAsync();
return 0;
