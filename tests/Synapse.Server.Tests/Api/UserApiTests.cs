using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Api;

public abstract class UserApiTests(ServerFixture fixture)
{
    private SynapseServer Server => fixture.Server;

    [Fact]
    public async Task Me_returns_the_caller()
    {
        var user = await Server.RegisterAsync("me", displayName: "Mimi");

        var me = await Server.GetAsync("/api/users/me", user.AccessToken);

        Assert.Equal(200, me.Status);
        Assert.Equal(user.Id, me.Body.GetProperty("id").GetString());
        Assert.Equal(user.UserName, me.Body.GetProperty("userName").GetString());
        Assert.Equal("Mimi", me.Body.GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Search_finds_users_by_name_case_insensitively_and_excludes_the_caller()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var caller = await Server.RegisterAsync("srch" + tag);
        var match = await Server.RegisterAsync("srch" + tag);
        var byDisplayName = await Server.RegisterAsync("other", displayName: "Known as SRCH" + tag.ToUpperInvariant());
        await Server.RegisterAsync("unrelated");

        var response = await Server.GetAsync($"/api/users?search=SRCH{tag}", caller.AccessToken);

        Assert.Equal(200, response.Status);
        var ids = response.Body.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("id").GetString()).ToArray();
        Assert.Equal(new[] { match.Id, byDisplayName.Id }.Order(), ids.Order());
        Assert.DoesNotContain("password", response.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Search_treats_wildcards_literally_and_honours_the_limit()
    {
        var caller = await Server.RegisterAsync("wild");

        var percent = await Server.GetAsync("/api/users?search=%25", caller.AccessToken);
        var limited = await Server.GetAsync("/api/users?limit=1", caller.AccessToken);

        Assert.Empty(percent.Body.GetProperty("users").EnumerateArray());
        Assert.Single(limited.Body.GetProperty("users").EnumerateArray());
    }

    [Theory]
    [InlineData("/api/users?limit=0")]
    [InlineData("/api/users?limit=51")]
    [InlineData("/api/users?limit=abc")]
    public async Task Search_validates_its_parameters(string path)
    {
        var caller = await Server.RegisterAsync("badq");

        (await Server.GetAsync(path, caller.AccessToken)).AssertError(400, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task A_user_can_be_read_by_id()
    {
        var caller = await Server.RegisterAsync("reader");
        var other = await Server.RegisterAsync("readee");

        var found = await Server.GetAsync($"/api/users/{other.Id}", caller.AccessToken);
        var missing = await Server.GetAsync("/api/users/usr_00000000000000000000000000000000", caller.AccessToken);
        var invalid = await Server.GetAsync("/api/users/not%20an%20id", caller.AccessToken);

        Assert.Equal(other.UserName, found.Body.GetProperty("userName").GetString());
        missing.AssertError(404, "NOT_FOUND");
        invalid.AssertError(400, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task Users_require_authentication()
    {
        (await Server.GetAsync("/api/users?search=a", null)).AssertError(401, "UNAUTHENTICATED");
    }

    /// <summary>These tests on the default storage, SQLite.</summary>
    public sealed class OnSqlite(ServerFixture fixture) : UserApiTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>These tests on PostgreSQL.</summary>
    [Collection(PostgresCollection.Name)]
    public sealed class OnPostgres(PostgresServerFixture fixture) : UserApiTests(fixture), IClassFixture<PostgresServerFixture>;
}
