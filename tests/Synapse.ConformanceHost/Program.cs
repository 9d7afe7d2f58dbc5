using Synapse.SocketIO;
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
builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.UseEngineIOWebSocketHandoff()));
builder.Logging.SetMinimumLevel(LogLevel.Warning);

if (args[0] == "socketio")
{
    builder.Services.AddSocketIO(options =>
    {
        options.PingInterval = TimeSpan.FromMilliseconds(300);
        options.PingTimeout = TimeSpan.FromMilliseconds(200);
        options.MaxHttpBufferSize = 1_000_000;
        options.ConnectTimeout = TimeSpan.FromMilliseconds(1000);
        options.Cors = new EngineCorsOptions().AllowAnyOrigin();
    });

    var sio = builder.Build();
    sio.MapSocketIO(io =>
    {
        io.OnConnection(socket =>
        {
            socket.Emit("auth", socket.Handshake.Auth);
            socket.On("message", (SocketIOArguments a) => socket.Emit("message-back", a.ToObjects()));
            socket.On("message-with-ack", (SocketIOArguments a, AckCallback ack) => ack(a.ToObjects()));
        });
        io.Of("/custom").OnConnection(socket => socket.Emit("auth", socket.Handshake.Auth));
    });

    Console.WriteLine($"Socket.IO conformance server on http://localhost:{port}/socket.io/");
    await sio.RunAsync();
    return 0;
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
