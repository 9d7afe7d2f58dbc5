using Synapse.Server.Storage.Sqlite;

namespace Synapse.Server.Storage;

/// <summary>Registers the storage layer.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the embedded SQLite store as <see cref="ISynapseStore"/> (and each of its parts), and a
    /// hosted service that creates the database and applies migrations before the server listens.
    /// </summary>
    public static IServiceCollection AddSynapseStorage(this IServiceCollection services)
    {
        services.AddSingleton<SqliteDatabase>();
        services.AddSingleton<SqliteSynapseStore>();
        services.AddSingleton<ISynapseStore>(sp => sp.GetRequiredService<SqliteSynapseStore>());
        services.AddSingleton<IUserStore>(sp => sp.GetRequiredService<ISynapseStore>());
        services.AddSingleton<IRefreshTokenStore>(sp => sp.GetRequiredService<ISynapseStore>());
        services.AddSingleton<IRoomStore>(sp => sp.GetRequiredService<ISynapseStore>());
        services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<ISynapseStore>());
        services.AddSingleton<INotificationStore>(sp => sp.GetRequiredService<ISynapseStore>());
        services.AddHostedService<StorageInitializer>();
        return services;
    }
}
