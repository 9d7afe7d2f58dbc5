using Synapse.Server.Storage.Postgres;
using Synapse.Server.Storage.Sqlite;

namespace Synapse.Server.Storage;

/// <summary>Registers the storage layer.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the store that <c>Synapse:Storage:Provider</c> names (the embedded SQLite one by default,
    /// or PostgreSQL) as <see cref="ISynapseStore"/> and each of its parts, and a hosted service that
    /// creates the database and applies migrations before the server listens.
    /// </summary>
    public static IServiceCollection AddSynapseStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(StorageOptions.SectionName);
        services.AddOptions<StorageOptions>()
            .Bind(section)
            .Validate(
                o => o.Provider != StorageProvider.Postgres || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "Synapse:Storage:ConnectionString is required when Synapse:Storage:Provider is Postgres.")
            .Validate(
                o => o.Provider != StorageProvider.Sqlite || string.IsNullOrWhiteSpace(o.ConnectionString),
                "Synapse:Storage:ConnectionString is set but Synapse:Storage:Provider is Sqlite, whose file lives in Synapse:DataDirectory: set the provider to Postgres, or remove the connection string.")
            .ValidateOnStart();

        // The provider decides which services exist, so it is read now, as AddDbContext's UseXxx would be.
        var provider = section.GetValue(nameof(StorageOptions.Provider), StorageProvider.Sqlite);
        switch (provider)
        {
            case StorageProvider.Sqlite:
                services.AddSingleton<SqliteDatabase>();
                services.AddSingleton<SqliteSynapseStore>();
                services.AddSingleton<ISynapseStore>(sp => sp.GetRequiredService<SqliteSynapseStore>());
                break;
            case StorageProvider.Postgres:
                services.AddSingleton<PostgresDatabase>();
                services.AddSingleton<PostgresSynapseStore>();
                services.AddSingleton<ISynapseStore>(sp => sp.GetRequiredService<PostgresSynapseStore>());
                break;
            default:
                throw new InvalidOperationException($"Unknown Synapse:Storage:Provider {provider}: use Sqlite or Postgres.");
        }

        services.AddSingleton<IUserStore>(sp => sp.GetRequiredService<ISynapseStore>());
        services.AddSingleton<IRefreshTokenStore>(sp => sp.GetRequiredService<ISynapseStore>());
        services.AddSingleton<IRoomStore>(sp => sp.GetRequiredService<ISynapseStore>());
        services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<ISynapseStore>());
        services.AddSingleton<INotificationStore>(sp => sp.GetRequiredService<ISynapseStore>());
        services.AddHostedService<StorageInitializer>();
        return services;
    }
}
