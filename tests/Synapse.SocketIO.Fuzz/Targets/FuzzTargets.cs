using Synapse.SocketIO.Fuzz.Fuzzing;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>Every target, by name.</summary>
public static class FuzzTargets
{
    /// <summary>The target names, in the order "all" runs them.</summary>
    public static readonly string[] Names = ["engine-payload", "socketio-packet", "msgpack", "redis-message", "resp", "server", "server-deflate"];

    /// <summary>Creates the target called <paramref name="name"/>.</summary>
    public static FuzzTarget Create(string name) => name switch
    {
        "engine-payload" => new EnginePayloadTarget(),
        "socketio-packet" => new SocketIOPacketTarget(),
        "msgpack" => new MessagePackTarget(),
        "redis-message" => new RedisMessageTarget(),
        "resp" => new RespTarget(),
        "server" => new ServerTarget(),
        "server-deflate" => new DeflateServerTarget(),
        _ => throw new ArgumentException($"Unknown target '{name}'. Targets: {string.Join(", ", Names)}, all."),
    };
}
