using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Synapse.Server.Auth;
using Synapse.Server.Domain;

namespace Synapse.Server.Tests.Infrastructure;

/// <summary>Access tokens a client should not be able to use: expired, or signed with another key.</summary>
public static class TestTokens
{
    /// <summary>A token for <paramref name="user"/>, signed with the server's key, that expired long ago.</summary>
    public static string Expired(SynapseServer server, TestUser user)
    {
        var services = server.Services;
        var tokens = new AccessTokenService(
            services.GetRequiredService<IOptions<AuthOptions>>(),
            services.GetRequiredService<SigningKeyProvider>(),
            new FixedTimeProvider(DateTimeOffset.UtcNow.AddHours(-2)));
        return tokens.Issue(ToDomain(user)).Token;
    }

    /// <summary>A current token for <paramref name="user"/>, signed with a random key the server does not know.</summary>
    public static string Forged(SynapseServer server, TestUser user)
    {
        var options = Options.Create(new AuthOptions { SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) });
        var keys = new SigningKeyProvider(
            options,
            server.Services.GetRequiredService<IOptions<SynapseOptions>>(),
            server.Services.GetRequiredService<IHostEnvironment>(),
            NullLogger<SigningKeyProvider>.Instance);
        return new AccessTokenService(options, keys, TimeProvider.System).Issue(ToDomain(user)).Token;
    }

    private static User ToDomain(TestUser user) => new(user.Id, user.UserName, user.UserName, false, DateTimeOffset.UtcNow);
}
