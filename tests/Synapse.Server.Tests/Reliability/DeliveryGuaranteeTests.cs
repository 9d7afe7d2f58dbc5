using System.Text.Json;
using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Reliability;

/// <summary>
/// Client to server at least once (docs/RELIABILITY.md, "Delivery guarantees"): the official
/// client's retry queue (<c>retries</c>, <c>ackTimeout</c>) sends <c>message:send</c> again when
/// its acknowledgement does not come back, and the <c>clientMessageId</c> makes the repeat
/// harmless: the message is stored and broadcast once, and the retry's ack names it.
/// </summary>
public sealed class DeliveryGuaranteeTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private SynapseServer Server => fixture.Server;

    [Theory]
    [InlineData("lost-ack")]
    [InlineData("cut-before-ack")]
    public async Task A_message_whose_ack_is_lost_is_sent_again_by_the_client_and_stored_once(string scenario)
    {
        var run = await NodeScript.RunAsync("synapse-retries.mjs", [Server.BaseUri.ToString().TrimEnd('/'), scenario], timeout: TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, $"synapse-retries.mjs failed:\n{run.StandardOutput}\n{run.StandardError}");
        var result = Assert.Single(run.Messages);

        // The first acknowledgement was lost; the client's retry got the stored message back.
        Assert.Equal(1, result.GetProperty("acksDropped").GetInt32());
        var reply = result.GetProperty("reply");
        Assert.True(reply.GetProperty("success").GetBoolean());
        Assert.True(reply.GetProperty("duplicate").GetBoolean(), "the retry should have been recognised as a repeat");
        if (scenario == "cut-before-ack")
        {
            Assert.Equal(2, result.GetProperty("connects").GetInt32());
        }

        // Stored once, broadcast once.
        var clientMessageId = result.GetProperty("clientMessageId").GetString();
        var history = await Server.GetAsync($"/api/rooms/{result.GetProperty("roomId").GetString()}/messages?limit=100", result.GetProperty("token").GetString());
        var stored = history.Body.GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("clientMessageId").ValueKind == JsonValueKind.String && m.GetProperty("clientMessageId").GetString() == clientMessageId)
            .ToList();
        var message = Assert.Single(stored);
        Assert.Equal(reply.GetProperty("message").GetProperty("id").GetString(), message.GetProperty("id").GetString());
        Assert.Equal(1, result.GetProperty("observed").GetInt32());
    }
}
