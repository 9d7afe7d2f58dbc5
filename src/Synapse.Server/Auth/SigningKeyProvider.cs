using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Synapse.Server.Auth;

/// <summary>
/// The key that signs access tokens: <see cref="AuthOptions.SigningKey"/> when configured, else a
/// 64-byte random key kept in <c>keys/token-signing.key</c> under the data directory (created on
/// first run, owner-only permissions), so tokens survive restarts.
/// </summary>
public sealed partial class SigningKeyProvider
{
    /// <summary>The generated key's path relative to the data directory.</summary>
    public static readonly string KeyFileRelativePath = Path.Combine("keys", "token-signing.key");

    private readonly Lazy<SymmetricSecurityKey> _key;
    private readonly IOptions<AuthOptions> _options;
    private readonly string _dataDirectory;
    private readonly ILogger<SigningKeyProvider> _logger;

    /// <summary>Creates the provider; the key is loaded on first use.</summary>
    public SigningKeyProvider(IOptions<AuthOptions> options, IOptions<SynapseOptions> synapse, IHostEnvironment environment, ILogger<SigningKeyProvider> logger)
    {
        _options = options;
        _dataDirectory = synapse.Value.GetDataDirectoryPath(environment.ContentRootPath);
        _logger = logger;
        _key = new Lazy<SymmetricSecurityKey>(Load);
    }

    /// <summary>The signing key.</summary>
    public SymmetricSecurityKey Key => _key.Value;

    /// <summary>Where the key comes from, for the startup log.</summary>
    public string Source => string.IsNullOrWhiteSpace(_options.Value.SigningKey) ? KeyFilePath : "configuration (Synapse:Auth:SigningKey)";

    private string KeyFilePath => Path.Combine(_dataDirectory, KeyFileRelativePath);

    private SymmetricSecurityKey Load()
    {
        var configured = _options.Value.SigningKey;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new SymmetricSecurityKey(Convert.FromBase64String(configured));
        }

        var path = KeyFilePath;
        if (!File.Exists(path))
        {
            Create(path);
        }

        var bytes = Convert.FromBase64String(File.ReadAllText(path).Trim());
        if (bytes.Length < 32)
        {
            throw new InvalidOperationException($"The token-signing key in {path} is shorter than 32 bytes.");
        }

        return new SymmetricSecurityKey(bytes);
    }

    private void Create(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(temporary, options))
        {
            writer.Write(Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
        }

        try
        {
            // Atomic publish; if another process won the race, its key is the one to use.
            File.Move(temporary, path, overwrite: false);
            Log.KeyGenerated(_logger, path);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Generated a new token-signing key in {Path}.")]
        public static partial void KeyGenerated(ILogger logger, string path);
    }
}
