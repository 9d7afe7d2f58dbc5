using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Synapse.Server.Tests.Infrastructure;

/// <summary>
/// A real, throwaway PostgreSQL cluster: <c>initdb</c> into a temporary directory, the server on a
/// free 127.0.0.1 port (and a unix socket in that directory), trust authentication, no fsync.
/// Disposing stops it and deletes the directory. PostgreSQL refuses to run as root, so under root
/// (CI) every PostgreSQL program runs as the <c>postgres</c> user of Debian's package, which owns
/// the directory. A cluster left behind by a killed test run is stopped and deleted by the next one.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string DirectoryPrefix = "synapse-pg-";
    private const string OwnerFileName = "owner.pid";
    private const string SystemUser = "postgres";
    private static int s_databaseCounter;

    private readonly string _bin;
    private readonly bool _asSystemUser;
    private int _disposed;

    private PostgresServer(string directory, string bin, bool asSystemUser, int port)
    {
        Directory = directory;
        _bin = bin;
        _asSystemUser = asSystemUser;
        Port = port;
    }

    /// <summary>The temporary directory: <c>data/</c> (the cluster), <c>socket/</c>, <c>server.log</c>.</summary>
    public string Directory { get; }

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The directory of the unix socket (for <c>Host=</c> in a connection string, or psql -h).</summary>
    public string SocketDirectory => Path.Combine(Directory, "socket");

    private string DataDirectory => Path.Combine(Directory, "data");

    private string LogFile => Path.Combine(Directory, "server.log");

    /// <summary>A connection string for <paramref name="database"/>, as the superuser <c>postgres</c>, over TCP.</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SystemUser,
        Database = database,
        IncludeErrorDetail = true,
        Timeout = 30,
        CommandTimeout = 60,
    }.ConnectionString;

    /// <summary>Creates an empty database with a fresh name and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "synapse")
    {
        var name = $"{prefix}_{Interlocked.Increment(ref s_databaseCounter)}_{Guid.NewGuid().ToString("N")[..8]}".ToLowerInvariant();
        await using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\";", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>Creates a cluster and starts it; throws with the server's log when it cannot.</summary>
    public static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBinaries();
        var asSystemUser = Environment.IsPrivilegedProcess;
        await RemoveAbandonedClustersAsync(bin, asSystemUser);

        var directory = System.IO.Directory.CreateTempSubdirectory(DirectoryPrefix).FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, OwnerFileName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "socket"));
        PostgresServer? server = null;
        try
        {
            if (asSystemUser)
            {
                await RunAsync("chown", ["-R", $"{SystemUser}:", directory], TimeSpan.FromSeconds(30));
            }

            var dataDirectory = Path.Combine(directory, "data");
            await RunAsync(asSystemUser, Path.Combine(bin, "initdb"),
                ["-D", dataDirectory, "-U", SystemUser, "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions"],
                TimeSpan.FromMinutes(2));

            // Settings for a disposable test cluster: durability off (nothing here must survive a
            // crash), small memory, quiet log.
            await File.AppendAllTextAsync(Path.Combine(dataDirectory, "postgresql.conf"), $"""

                listen_addresses = '127.0.0.1'
                unix_socket_directories = '{Path.Combine(directory, "socket")}'
                fsync = off
                synchronous_commit = off
                full_page_writes = off
                max_connections = 200
                shared_buffers = 32MB
                log_min_messages = warning
                log_min_error_statement = panic

                """);

            // The port is free when chosen, but something else may take it before PostgreSQL binds
            // it: then try another one.
            for (var attempt = 1; ; attempt++)
            {
                server = new PostgresServer(directory, bin, asSystemUser, FreePort());
                try
                {
                    await server.RunPgCtlAsync(["start", "-w", "-t", "60", "-l", server.LogFile, "-o", $"-p {server.Port}"], TimeSpan.FromSeconds(90));
                    await server.WaitUntilReadyAsync();
                    return server;
                }
                catch (Exception) when (attempt < 3 && !File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
                {
                }
            }
        }
        catch (Exception ex)
        {
            var log = File.Exists(Path.Combine(directory, "server.log")) ? File.ReadAllText(Path.Combine(directory, "server.log")) : "(no server log)";
            if (server is not null)
            {
                await server.DisposeAsync();
            }
            else
            {
                DeleteDirectory(directory);
            }

            throw new InvalidOperationException($"PostgreSQL did not start: {ex.Message}\n{log}", ex);
        }
    }

    /// <summary>Stops the server (open connections are cut) and deletes its directory. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            try
            {
                await RunPgCtlAsync(["stop", "-m", "immediate", "-w", "-t", "30"], TimeSpan.FromSeconds(60));
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                KillPostmaster(DataDirectory);
            }
        }

        DeleteDirectory(Directory);
    }

    private Task RunPgCtlAsync(string[] arguments, TimeSpan timeout) =>
        RunAsync(_asSystemUser, Path.Combine(_bin, "pg_ctl"), ["-D", DataDirectory, .. arguments], timeout);

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
                await connection.OpenAsync();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>The directory of PostgreSQL's programs: SYNAPSE_POSTGRES_BIN, or Debian's newest /usr/lib/postgresql/N/bin.</summary>
    private static string FindBinaries()
    {
        var configured = Environment.GetEnvironmentVariable("SYNAPSE_POSTGRES_BIN");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        const string root = "/usr/lib/postgresql";
        var found = System.IO.Directory.Exists(root)
            ? System.IO.Directory.GetDirectories(root)
                .Select(d => (Directory: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
                .Where(d => d.Version > 0 && File.Exists(Path.Combine(d.Directory, "bin", "initdb")))
                .OrderByDescending(d => d.Version)
                .Select(d => Path.Combine(d.Directory, "bin"))
                .FirstOrDefault()
            : null;
        return found ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (scripts/test installs it: apt-get install postgresql), or set SYNAPSE_POSTGRES_BIN to the directory of initdb and pg_ctl.");
    }

    /// <summary>Stops and deletes the clusters of test runs whose process is gone (killed by a hang timeout, say).</summary>
    private static async Task RemoveAbandonedClustersAsync(string bin, bool asSystemUser)
    {
        foreach (var directory in System.IO.Directory.GetDirectories(Path.GetTempPath(), DirectoryPrefix + "*"))
        {
            var ownerFile = Path.Combine(directory, OwnerFileName);
            if (!File.Exists(ownerFile)
                || !int.TryParse(File.ReadAllText(ownerFile), CultureInfo.InvariantCulture, out var owner)
                || System.IO.Directory.Exists($"/proc/{owner}"))
            {
                continue;
            }

            var data = Path.Combine(directory, "data");
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                try
                {
                    await RunAsync(asSystemUser, Path.Combine(bin, "pg_ctl"), ["-D", data, "stop", "-m", "immediate", "-w", "-t", "30"], TimeSpan.FromSeconds(60));
                }
                catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
                {
                    KillPostmaster(data);
                }
            }

            DeleteDirectory(directory);
        }
    }

    private static void KillPostmaster(string dataDirectory)
    {
        try
        {
            var pid = int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is IOException or FormatException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Runs a PostgreSQL program, as the postgres user when this process is root.</summary>
    private static Task RunAsync(bool asSystemUser, string program, string[] arguments, TimeSpan timeout) =>
        asSystemUser
            ? RunAsync("runuser", ["-u", SystemUser, "--", program, .. arguments], timeout)
            : RunAsync(program, arguments, timeout);

    private static async Task RunAsync(string program, string[] arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,

            // The postgres user may not read the test's working directory.
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start.");

        // pg_ctl start leaves the server holding inherited pipes open; read without waiting for
        // the end of the streams, and stop at the process's exit.
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }

        if (process.ExitCode != 0)
        {
            string text;
            lock (output)
            {
                text = output.ToString();
            }

            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with code {process.ExitCode}: {text.Trim()}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// One PostgreSQL cluster for the tests of the <see cref="PostgresCollection"/> (which run one
/// class after the other); each test class creates its own database with <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    /// <summary>The running cluster.</summary>
    public PostgresServer Server => _server ?? throw new InvalidOperationException("Not started.");

    /// <summary>Creates a fresh, empty database and returns its connection string.</summary>
    public Task<string> CreateDatabaseAsync(string prefix = "synapse") => Server.CreateDatabaseAsync(prefix);

    /// <summary>
    /// Settings for <see cref="SynapseServer.StartAsync"/> that put a server on a fresh database
    /// (<c>Synapse:Storage:*</c>) with a fixed token-signing key. Several servers started with the
    /// same settings form a cluster over one database and accept each other's access tokens.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> CreateServerSettingsAsync() => new Dictionary<string, string>
    {
        ["Synapse:Storage:Provider"] = "Postgres",
        ["Synapse:Storage:ConnectionString"] = await CreateDatabaseAsync("server"),
        ["Synapse:Auth:SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    };

    /// <inheritdoc />
    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>The tests that share one <see cref="PostgresFixture"/>: mark a class <c>[Collection(PostgresCollection.Name)]</c>.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "postgres";
}
