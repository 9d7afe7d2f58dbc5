using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Api;

public sealed class AdminApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private SynapseServer Server => fixture.Server;

    [Fact]
    public async Task The_administrator_posts_announcements()
    {
        var response = await Server.PostAsync("/api/admin/announcements", new { message = "  Maintenance at noon  " }, fixture.Admin.AccessToken);

        Assert.Equal(200, response.Status);
        Assert.Equal("Maintenance at noon", response.Body.GetProperty("message").GetString());
        Assert.True(response.Body.TryGetProperty("createdAt", out _));
    }

    [Fact]
    public async Task Other_users_may_not_post_announcements()
    {
        var user = await Server.RegisterAsync("plain");

        (await Server.PostAsync("/api/admin/announcements", new { message = "hi" }, user.AccessToken)).AssertError(403, "FORBIDDEN");
        (await Server.PostAsync("/api/admin/announcements", new { message = "hi" }, null)).AssertError(401, "UNAUTHENTICATED");
    }

    [Fact]
    public async Task Announcements_are_validated()
    {
        (await Server.PostAsync("/api/admin/announcements", new { message = " " }, fixture.Admin.AccessToken)).AssertError(400, "VALIDATION_ERROR");
        (await Server.PostAsync("/api/admin/announcements", new { message = new string('x', 1001) }, fixture.Admin.AccessToken)).AssertError(400, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task The_administrator_reads_the_memory_figures()
    {
        var response = await Server.GetAsync("/api/admin/diagnostics/memory", fixture.Admin.AccessToken);

        Assert.Equal(200, response.Status);
        Assert.True(response.Body.GetProperty("workingSetBytes").GetInt64() > 0);
        Assert.True(response.Body.GetProperty("managedAllocatedBytes").GetInt64() > 0);
        Assert.True(response.Body.GetProperty("gcHeapSizeBytes").GetInt64() >= 0);
        Assert.True(response.Body.GetProperty("gen2Collections").GetInt32() >= 0);

        var user = await Server.RegisterAsync("curious");
        (await Server.GetAsync("/api/admin/diagnostics/memory", user.AccessToken)).AssertError(403, "FORBIDDEN");
    }
}
