using System.Net;
using System.Text.Json;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>Assertions shared by the Engine.IO tests.</summary>
internal static class EngineAssert
{
    public const string TransportUnknown = """{"code":0,"message":"Transport unknown"}""";
    public const string SessionIdUnknown = """{"code":1,"message":"Session ID unknown"}""";
    public const string BadHandshakeMethod = """{"code":2,"message":"Bad handshake method"}""";
    public const string BadRequest = """{"code":3,"message":"Bad request"}""";
    public const string Forbidden = """{"code":4,"message":"Forbidden"}""";
    public const string UnsupportedProtocolVersion = """{"code":5,"message":"Unsupported protocol version"}""";

    /// <summary>Asserts an Engine.IO error answer: the status, <c>Content-Type: application/json</c>, and the exact body.</summary>
    public static async Task ErrorAsync(HttpResponseMessage response, string expectedBody, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
            Assert.Equal(expectedBody, body);
        }
    }

    /// <summary>The same for a response read off a raw connection.</summary>
    public static void Error(RawHttpResponse response, string expectedBody, int status = 400)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Header("Content-Type"));
        Assert.Equal(expectedBody, response.BodyText);
    }

    /// <summary>Parses an open packet (<c>0{...}</c>) and checks it carries exactly the five handshake fields, in Node's order.</summary>
    public static JsonElement OpenPacket(string packet)
    {
        Assert.StartsWith("0{", packet);
        using var json = JsonDocument.Parse(packet.AsMemory(1));
        var open = json.RootElement.Clone();
        Assert.Equal(["sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"], open.EnumerateObject().Select(p => p.Name).ToArray());
        return open;
    }

    /// <summary>The exact open packet Node would send.</summary>
    public static string ExpectedOpenPacket(string sid, string[] upgrades, int pingInterval, int pingTimeout, long maxPayload) =>
        "0{\"sid\":\"" + sid + "\",\"upgrades\":[" + string.Join(',', upgrades.Select(u => "\"" + u + "\"")) + "],\"pingInterval\":"
        + pingInterval + ",\"pingTimeout\":" + pingTimeout + ",\"maxPayload\":" + maxPayload + "}";
}
