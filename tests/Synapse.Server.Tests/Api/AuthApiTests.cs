using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using Synapse.Server.Tests.Infrastructure;

namespace Synapse.Server.Tests.Api;

public abstract class AuthApiTests(ServerFixture fixture)
{
    private SynapseServer Server => fixture.Server;

    [Fact]
    public async Task Register_returns_the_user_and_tokens_without_secrets()
    {
        var response = await Server.PostAsync("/api/auth/register", new { userName = "Reg_" + Suffix(), password = "password123", displayName = "  Régine  " });

        Assert.Equal(201, response.Status);
        var user = response.Body.GetProperty("user");
        Assert.StartsWith("usr_", user.GetProperty("id").GetString());
        Assert.Equal("Régine", user.GetProperty("displayName").GetString());
        Assert.False(user.GetProperty("isAdmin").GetBoolean());
        Assert.Equal(["id", "userName", "displayName", "isAdmin", "createdAt"], user.EnumerateObject().Select(p => p.Name));
        Assert.DoesNotContain("password", response.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, response.Body.GetProperty("accessToken").GetString()!.Split('.').Length);
        Assert.False(string.IsNullOrEmpty(response.Body.GetProperty("refreshToken").GetString()));
        Assert.True(response.Body.GetProperty("accessTokenExpiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(14));
    }

    [Fact]
    public async Task Access_tokens_are_HS256_JWTs_naming_the_user_for_15_minutes()
    {
        var user = await Server.RegisterAsync("jwt");

        var parts = user.AccessToken.Split('.');
        var header = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(parts[0])).RootElement;
        var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(parts[1])).RootElement;
        Assert.Equal("HS256", header.GetProperty("alg").GetString());
        Assert.Equal(user.Id, payload.GetProperty("sub").GetString());
        Assert.Equal(user.UserName, payload.GetProperty("name").GetString());
        Assert.Equal(15 * 60, payload.GetProperty("exp").GetInt64() - payload.GetProperty("iat").GetInt64());

        // The signature is checked: the same claims with another signature are refused.
        var tampered = parts[0] + "." + parts[1] + "." + Base64UrlEncoder.Encode(new byte[32]);
        (await Server.GetAsync("/api/users/me", tampered)).AssertError(401, "UNAUTHENTICATED");
        var unsigned = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""") + "." + parts[1] + ".";
        (await Server.GetAsync("/api/users/me", unsigned)).AssertError(401, "UNAUTHENTICATED");
    }

    [Fact]
    public async Task The_first_registered_user_is_the_administrator()
    {
        Assert.True(fixture.Admin.IsAdmin);
        var me = await Server.GetAsync("/api/users/me", fixture.Admin.AccessToken);
        Assert.True(me.Body.GetProperty("isAdmin").GetBoolean());
    }

    [Fact]
    public async Task User_names_are_unique_case_insensitively()
    {
        var name = "dup_" + Suffix();
        Assert.Equal(201, (await Server.PostAsync("/api/auth/register", new { userName = name, password = "password123" })).Status);

        var again = await Server.PostAsync("/api/auth/register", new { userName = name.ToUpperInvariant(), password = "password123" });

        again.AssertError(409, "CONFLICT");
    }

    [Theory]
    [InlineData("ab", "password123")]
    [InlineData("has space", "password123")]
    [InlineData("émile", "password123")]
    [InlineData("a23456789012345678901234567890123", "password123")]
    [InlineData("valid_name", "short")]
    [InlineData(null, "password123")]
    [InlineData("valid_name", null)]
    public async Task Register_validates_user_name_and_password(string? userName, string? password)
    {
        var response = await Server.PostAsync("/api/auth/register", new { userName, password });

        response.AssertError(400, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task Register_accepts_the_allowed_characters()
    {
        var response = await Server.PostAsync("/api/auth/register", new { userName = "a.b-c_" + Suffix(), password = "12345678" });

        Assert.Equal(201, response.Status);
    }

    [Fact]
    public async Task Login_returns_a_new_session()
    {
        var user = await Server.RegisterAsync("login");

        var response = await Server.PostAsync("/api/auth/login", new { userName = user.UserName.ToUpperInvariant(), password = user.Password });

        Assert.Equal(200, response.Status);
        Assert.Equal(user.Id, response.Body.GetProperty("user").GetProperty("id").GetString());
        Assert.NotEqual(user.RefreshToken, response.Body.GetProperty("refreshToken").GetString());
    }

    [Fact]
    public async Task Login_failures_do_not_tell_which_part_was_wrong()
    {
        var user = await Server.RegisterAsync("hint");

        var wrongPassword = await Server.PostAsync("/api/auth/login", new { userName = user.UserName, password = "wrong-password" });
        var unknownUser = await Server.PostAsync("/api/auth/login", new { userName = "nobody_" + Suffix(), password = user.Password });

        wrongPassword.AssertError(401, "UNAUTHENTICATED");
        unknownUser.AssertError(401, "UNAUTHENTICATED");
        Assert.Equal(wrongPassword.Text, unknownUser.Text);
    }

    [Fact]
    public async Task Login_requires_both_fields()
    {
        (await Server.PostAsync("/api/auth/login", new { userName = "someone" })).AssertError(400, "VALIDATION_ERROR");
        (await Server.PostAsync("/api/auth/login", new { password = "password123" })).AssertError(400, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task Repeated_login_failures_are_throttled_even_for_the_right_password()
    {
        var user = await Server.RegisterAsync("throttle");
        for (var i = 0; i < 5; i++)
        {
            (await Server.PostAsync("/api/auth/login", new { userName = user.UserName, password = "wrong-" + i })).AssertError(401, "UNAUTHENTICATED");
        }

        var throttled = await Server.PostAsync("/api/auth/login", new { userName = user.UserName, password = user.Password });

        throttled.AssertError(429, "RATE_LIMITED");
        Assert.True(int.Parse(throttled.Headers.GetValues("Retry-After").Single()) > 0);
    }

    [Fact]
    public async Task Refresh_rotates_tokens_and_refuses_a_used_one()
    {
        var user = await Server.RegisterAsync("refresh");

        var first = await Server.PostAsync("/api/auth/refresh", new { refreshToken = user.RefreshToken });
        Assert.Equal(200, first.Status);
        var next = first.Body.GetProperty("refreshToken").GetString()!;
        Assert.NotEqual(user.RefreshToken, next);
        Assert.Equal(200, (await Server.GetAsync("/api/users/me", first.Body.GetProperty("accessToken").GetString())).Status);

        var reused = await Server.PostAsync("/api/auth/refresh", new { refreshToken = user.RefreshToken });
        reused.AssertError(401, "UNAUTHENTICATED");

        // Reuse of a rotated token revokes the whole session: the newest token is dead too.
        (await Server.PostAsync("/api/auth/refresh", new { refreshToken = next })).AssertError(401, "UNAUTHENTICATED");
    }

    [Fact]
    public async Task Refresh_refuses_unknown_and_missing_tokens()
    {
        (await Server.PostAsync("/api/auth/refresh", new { refreshToken = "not-a-token" })).AssertError(401, "UNAUTHENTICATED");
        (await Server.PostAsync("/api/auth/refresh", new { })).AssertError(400, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task Logout_revokes_the_refresh_token()
    {
        var user = await Server.RegisterAsync("logout");

        var logout = await Server.PostAsync("/api/auth/logout", new { refreshToken = user.RefreshToken });

        Assert.Equal(204, logout.Status);
        (await Server.PostAsync("/api/auth/refresh", new { refreshToken = user.RefreshToken })).AssertError(401, "UNAUTHENTICATED");
        Assert.Equal(204, (await Server.PostAsync("/api/auth/logout", new { refreshToken = user.RefreshToken })).Status);
        (await Server.PostAsync("/api/auth/logout", new { })).AssertError(400, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task Protected_endpoints_require_a_valid_access_token()
    {
        var user = await Server.RegisterAsync("token");

        var none = await Server.GetAsync("/api/users/me", null);
        var garbage = await Server.GetAsync("/api/users/me", "not.a.jwt");
        var forged = await Server.GetAsync("/api/users/me", TestTokens.Forged(Server, user));
        var expired = await Server.GetAsync("/api/users/me", TestTokens.Expired(Server, user));

        none.AssertError(401, "UNAUTHENTICATED");
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        garbage.AssertError(401, "UNAUTHENTICATED");
        forged.AssertError(401, "UNAUTHENTICATED");
        expired.AssertError(401, "UNAUTHENTICATED");
        Assert.Contains("expired", expired.Body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Malformed_requests_get_the_error_shape()
    {
        (await Server.PostAsync("/api/auth/login", SynapseServer.RawJson("{not json"))).AssertError(400, "VALIDATION_ERROR");
        (await Server.PostAsync("/api/auth/login", SynapseServer.RawJson("null"))).AssertError(400, "VALIDATION_ERROR");
        (await Server.PostAsync("/api/auth/login", SynapseServer.RawJson("{\"userName\": 12}"))).AssertError(400, "VALIDATION_ERROR");
        var text = new StringContent("userName=a");
        text.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        (await Server.PostAsync("/api/auth/login", text)).AssertError(415, "VALIDATION_ERROR");
        var huge = SynapseServer.RawJson("{\"userName\":\"" + new string('x', 100_000) + "\"}");
        (await Server.PostAsync("/api/auth/login", huge)).AssertError(413, "VALIDATION_ERROR");
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>These tests on the default storage, SQLite.</summary>
    public sealed class OnSqlite(ServerFixture fixture) : AuthApiTests(fixture), IClassFixture<ServerFixture>
    {
        [Fact]
        public async Task Refresh_tokens_are_stored_hashed()
        {
            var user = await Server.RegisterAsync("hashed");

            // Committed writes are in the WAL file (or already checkpointed into the main file).
            // SQLite removes the WAL file when a checkpoint leaves it empty.
            var wal = Path.Combine(Server.DataDirectory, "synapse.db-wal");
            byte[] database;
            try
            {
                database = await File.ReadAllBytesAsync(wal);
            }
            catch (FileNotFoundException)
            {
                database = [];
            }

            var main = await File.ReadAllBytesAsync(Path.Combine(Server.DataDirectory, "synapse.db"));
            var needle = System.Text.Encoding.UTF8.GetBytes(user.RefreshToken);
            Assert.Equal(-1, database.AsSpan().IndexOf(needle));
            Assert.Equal(-1, main.AsSpan().IndexOf(needle));
            Assert.Equal(-1, database.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(user.Password)));
        }
    }

    /// <summary>These tests on PostgreSQL.</summary>
    [Collection(PostgresCollection.Name)]
    public sealed class OnPostgres(PostgresServerFixture fixture) : AuthApiTests(fixture), IClassFixture<PostgresServerFixture>
    {
        [Fact]
        public async Task Refresh_tokens_are_stored_hashed()
        {
            var user = await Server.RegisterAsync("hashed");

            // Every row of the tables that hold secrets, as text.
            await using var connection = new Npgsql.NpgsqlConnection(fixture.ConnectionString);
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(
                "SELECT row_to_json(t)::text FROM refresh_tokens t UNION ALL SELECT row_to_json(u)::text FROM users u", connection);
            var rows = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    rows.Add(reader.GetString(0));
                }
            }

            Assert.Contains(rows, r => r.Contains(user.Id, StringComparison.Ordinal));
            Assert.DoesNotContain(rows, r => r.Contains(user.RefreshToken, StringComparison.Ordinal));
            Assert.DoesNotContain(rows, r => r.Contains(user.Password, StringComparison.Ordinal));
        }
    }
}
