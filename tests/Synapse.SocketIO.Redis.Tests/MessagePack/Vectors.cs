using System.Text.Json;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Redis.Tests.MessagePack;

/// <summary>
/// The messages captured from Node's Redis adapter, emitter and a hand-written foreign node
/// (tests/Synapse.SocketIO.Redis.Tests/Vectors, a copy of shared/specs/redis-adapter-vectors).
/// </summary>
public sealed record Vector(string Name, string Channel, string Format, byte[] Payload, JsonElement Decoded, JsonElement Root)
{
    private static readonly Lazy<IReadOnlyList<Vector>> s_all = new(Load);

    public static string Directory => RepoRoot.Combine("tests", "Synapse.SocketIO.Redis.Tests", "Vectors");

    public static IReadOnlyList<Vector> All => s_all.Value;

    public static Vector Get(string name) => All.Single(v => v.Name == name);

    /// <summary>Every vector name, for [MemberData].</summary>
    public static TheoryData<string> Names(string? format = null)
    {
        var data = new TheoryData<string>();
        foreach (var vector in All.Where(v => format is null || v.Format == format))
        {
            data.Add(vector.Name);
        }

        return data;
    }

    /// <summary>The vector's <c>context</c> object.</summary>
    public JsonElement Context => Root.GetProperty("context");

    public override string ToString() => Name;

    private static List<Vector> Load()
    {
        var vectors = new List<Vector>();
        foreach (var path in System.IO.Directory.GetFiles(Directory, "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("payload_hex", out var hex))
            {
                continue;
            }

            vectors.Add(new Vector(
                Path.GetFileNameWithoutExtension(path),
                root.GetProperty("channel").GetString()!,
                root.GetProperty("format").GetString()!,
                Convert.FromHexString(hex.GetString()!),
                root.GetProperty("payload_decoded").Clone(),
                root.Clone()));
        }

        return vectors;
    }
}
