using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Synapse.Server.Storage;
using Synapse.Server.Storage.Sqlite;

namespace Synapse.Server.Tests.Storage;

/// <summary>The store contract against the embedded SQLite store, each test in its own data directory.</summary>
public sealed class SqliteStoreTests : StoreContractTests
{
    private readonly List<string> _directories = [];

    private string CurrentDirectory => _directories[^1];

    protected override string NowSql => "0";

    protected override Task PrepareDatabaseAsync()
    {
        _directories.Add(Path.Combine(Path.GetTempPath(), "synapse-tests", "store-" + Guid.NewGuid().ToString("N")));
        return Task.CompletedTask;
    }

    protected override (ISynapseStore Store, IAsyncDisposable Owner) CreateStore()
    {
        var database = new SqliteDatabase(
            Options.Create(new SynapseOptions { DataDirectory = CurrentDirectory }),
            new HostingEnvironment { ContentRootPath = CurrentDirectory });
        return (new SqliteSynapseStore(database, NullLogger<SqliteSynapseStore>.Instance), new Disposer(database.Dispose));
    }

    protected override async Task<DbConnection> OpenConnectionAsync()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(CurrentDirectory, SqliteDatabase.FileName)}");
        await connection.OpenAsync();
        return connection;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        foreach (var directory in _directories.Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class Disposer(Action dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            dispose();
            return ValueTask.CompletedTask;
        }
    }
}
