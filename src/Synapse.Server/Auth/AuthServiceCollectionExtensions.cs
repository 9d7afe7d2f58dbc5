namespace Synapse.Server.Auth;

/// <summary>Registers accounts, tokens and REST authentication.</summary>
public static class AuthServiceCollectionExtensions
{
    /// <summary>Adds password hashing, token services, login throttling and bearer authentication for the REST API.</summary>
    public static IServiceCollection AddSynapseAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>()
            .Bind(configuration.GetSection(AuthOptions.SectionName))
            .Validate(o => o.AccessTokenLifetime > TimeSpan.Zero && o.RefreshTokenLifetime > TimeSpan.Zero, "Token lifetimes must be positive.")
            .Validate(o => o.PasswordHashIterations >= 1, "PasswordHashIterations must be at least 1.")
            .Validate(o => o.LoginThrottle.MaxFailuresPerUser >= 1 && o.LoginThrottle.MaxFailuresPerAddress >= 1, "Login throttle limits must be at least 1.")
            .Validate(o => string.IsNullOrWhiteSpace(o.SigningKey) || IsStrongBase64Key(o.SigningKey), "SigningKey must be base64 of at least 32 bytes.")
            .ValidateOnStart();

        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<SigningKeyProvider>();
        services.AddSingleton<AccessTokenService>();
        services.AddSingleton<LoginThrottle>();

        services.AddHostedService<SigningKeyInitializer>();

        // The core services only: AddAuthentication() would also bring Data Protection (for cookie
        // schemes), whose key ring this server has no use for.
        services.AddAuthenticationCore(o =>
        {
            o.DefaultScheme = BearerAuthenticationHandler.SchemeName;
            o.AddScheme<BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, displayName: null);
        });
        services.AddWebEncoders();
        services.AddTransient<BearerAuthenticationHandler>();
        services.AddAuthorization();
        return services;
    }

    private static bool IsStrongBase64Key(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var length) && length >= 32;
    }
}
