using System.Text.Json;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>
/// The README's library example, both halves run as written: the server code between the
/// <c>README:</c> markers below is the README's (the first test keeps the two identical), and the
/// README's socket.io-client code runs against it (tests/interop/sio-readme-client.mjs).
/// </summary>
public sealed class ReadmeExampleTests
{
    private static string ReadmePath => RepoRoot.Combine("README.md");

    private static string SourcePath => RepoRoot.Combine("tests", "Synapse.SocketIO.Tests", "SocketIO", "ReadmeExampleTests.cs");

    private static void ConfigureOptions(SocketIOOptions options)
    {
        // README:options
        options.PingInterval = TimeSpan.FromSeconds(25);
        options.Cors = new() { Origins = { "http://localhost:5173" }, Credentials = true };
        // README:end
    }

    private static void MapExample(SocketIOServer io)
    {
        // README:map
        // Connection middleware: throw to refuse; the client's connect_error gets message and data.
        io.Use(async (socket, next) =>
        {
            var token = socket.Handshake.Auth.TryGetProperty("token", out var t) ? t.GetString() : null;
            if (token != "secret")
            {
                throw new SocketIOConnectException("not authorized", new { reason = "bad token" });
            }

            socket.Data["user"] = "alice";
            await next();
        });

        io.OnConnection(socket =>
        {
            // Parameters are bound from the event's arguments; AckCallback answers the client's ack.
            socket.On("chat", async (string room, ChatMessage message, AckCallback ack) =>
            {
                await socket.Join(room);
                socket.To(room).Emit("chat", message);      // everyone in the room but the sender
                ack(new { ok = true });
            });

            socket.On("upload", (byte[] file) => socket.Emit("uploaded", file.Length));

            socket.On("disconnect", (string reason) => Console.WriteLine($"{socket.Id} left: {reason}"));
        });

        io.Of("/admin").OnConnection(async socket =>
        {
            // Asks every client of the main namespace; fails with SocketIOAckTimeoutException
            // (how many did not answer) if some do not answer within 5 s.
            var answers = await io.Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("ping-all");
            socket.Emit("answers", answers.Count);
        });
        // README:end
    }

    private sealed record ChatMessage(string Text, DateTimeOffset SentAt);

    [Fact]
    public void The_README_server_example_is_the_code_tested_here()
    {
        var readme = File.ReadAllText(ReadmePath).ReplaceLineEndings("\n");
        var section = readme.IndexOf("## A Socket.IO server in ASP.NET Core", StringComparison.Ordinal);
        Assert.True(section >= 0, "README has no library section");
        var blockStart = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        var example = readme[blockStart..readme.IndexOf("```", blockStart, StringComparison.Ordinal)].Split('\n');
        var source = File.ReadAllLines(SourcePath);

        Assert.Equal(Marked(source, "options"), Body(example, "builder.Services.AddSocketIO(options =>"));
        Assert.Equal(Marked(source, "map"), Body(example, "app.MapSocketIO(io =>"));
        Assert.Contains("record ChatMessage(string Text, DateTimeOffset SentAt);", example);
    }

    [Fact]
    public async Task The_README_client_example_runs_against_the_README_server()
    {
        await using var server = await SioTestServer.StartAsync(MapExample, ConfigureOptions);
        await using var client = NodeScript.Start("sio-readme-client.mjs", [ReadmePath, server.BaseUri.ToString()]);

        await client.WaitForEventAsync("done");
        await Wait.UntilAsync(
            () => Logged(client).Contains("""["uploaded",3]""") && Logged(client).Contains("""["answers",1]"""),
            because: "the upload's and the admin namespace's answers are logged");
        Assert.Contains("""[{"ok":true}]""", Logged(client));
        Assert.DoesNotContain(client.Messages, m => m.GetProperty("event").GetString() == "error");

        var socket = Assert.Single(server.Sockets.Values, s => s.Namespace.Name == "/");
        Assert.Equal("alice", socket.Data["user"]);
        Assert.Contains("general", socket.Rooms);
        Assert.Single(server.Sockets.Values, s => s.Namespace.Name == "/admin");
        Assert.Equal(1, server.Io.EngineConnectionsCount);
        Assert.Empty(server.Errors);
    }

    [Fact]
    public async Task The_README_client_with_a_wrong_token_logs_the_middlewares_refusal()
    {
        await using var server = await SioTestServer.StartAsync(MapExample, ConfigureOptions);
        await using var client = NodeScript.Start("sio-readme-client.mjs", [ReadmePath, server.BaseUri.ToString(), "wrong"]);

        await Wait.UntilAsync(() => Logged(client).Count > 0, because: "the client logs its connect_error");
        Assert.Equal(["""["not authorized",{"reason":"bad token"}]"""], Logged(client));
        Assert.Empty(server.Sockets);
    }

    /// <summary>The arguments of each console.log of the example, as JSON.</summary>
    private static List<string> Logged(NodeScript client) =>
        client.Messages
            .Where(m => m.GetProperty("event").GetString() == "log")
            .Select(m => m.GetProperty("args").GetRawText())
            .ToList();

    /// <summary>The lines between <c>// README:name</c> and <c>// README:end</c>, without their common indentation.</summary>
    private static string[] Marked(string[] lines, string name)
    {
        var start = Array.FindIndex(lines, l => l.Trim() == "// README:" + name) + 1;
        var end = Array.FindIndex(lines, start, l => l.Trim() == "// README:end");
        Assert.True(start > 0 && end > start, $"markers README:{name} missing in {SourcePath}");
        return Dedent(lines[start..end]);
    }

    /// <summary>The lines of the block opened by <paramref name="opening"/> and <c>{</c>, up to its <c>});</c>.</summary>
    private static string[] Body(string[] lines, string opening)
    {
        var open = Array.IndexOf(lines, opening);
        Assert.True(open >= 0 && lines[open + 1] == "{", $"README example has no '{opening}' block");
        var close = Array.IndexOf(lines, "});", open);
        return Dedent(lines[(open + 2)..close]);
    }

    private static string[] Dedent(string[] lines)
    {
        var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return lines.Select(l => l.Trim().Length == 0 ? string.Empty : l[indent..].TrimEnd()).ToArray();
    }
}
