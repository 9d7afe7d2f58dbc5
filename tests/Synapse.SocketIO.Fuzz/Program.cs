using System.Globalization;
using Synapse.SocketIO.Fuzz.Fuzzing;
using Synapse.SocketIO.Fuzz.Targets;

namespace Synapse.SocketIO.Fuzz;

/// <summary>
/// <c>scripts/fuzz [target|all] [--iterations N | --duration 10m] [--seed S] [--iteration I] [--input BASE64] [--list]</c>.
/// Without --seed a random seed is chosen and printed. Exits 1 when anything failed.
/// </summary>
public static class Program
{
    private const string Usage = """
        usage: scripts/fuzz [TARGET|all] [--iterations N | --duration 30s|10m|1h] [--seed S]
                            [--iteration I] [--input BASE64] [--no-minimize] [--list]
          TARGET        one of the targets below, or all (the default), run one after another
          --iterations  inputs per target (default 100000 when no duration is given)
          --duration    time per target
          --seed        the run's seed (default: random, printed); input I of seed S is always the same
          --iteration   run only input I of the seed (reproduces a reported failure)
          --input       run only this input (base64), as printed with a failure
        """;

    /// <summary>The entry point.</summary>
    public static async Task<int> Main(string[] args)
    {
        string target = "all";
        long? iterations = null;
        TimeSpan? duration = null;
        int? seed = null;
        long? iteration = null;
        byte[]? input = null;
        var minimize = true;
        var verbose = false;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--iterations":
                        iterations = long.Parse(Value(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
                        break;
                    case "--duration":
                        duration = ParseDuration(Value());
                        break;
                    case "--seed":
                        seed = int.Parse(Value(), CultureInfo.InvariantCulture);
                        break;
                    case "--iteration":
                        iteration = long.Parse(Value(), CultureInfo.InvariantCulture);
                        break;
                    case "--input":
                        input = Convert.FromBase64String(Value());
                        break;
                    case "--verbose":
                        verbose = true;
                        break;
                    case "--no-minimize":
                        minimize = false;
                        break;
                    case "--list":
                        foreach (var name in FuzzTargets.Names)
                        {
                            await using var listed = FuzzTargets.Create(name);
                            Console.WriteLine($"{name,-16} {listed.Description}");
                        }

                        return 0;
                    case "-h" or "--help":
                        Console.WriteLine(Usage);
                        return 0;
                    default:
                        if (args[i].StartsWith('-'))
                        {
                            throw new ArgumentException($"unknown option {args[i]}");
                        }

                        target = args[i];
                        break;
                }
            }

            if (target != "all")
            {
                await using var _ = FuzzTargets.Create(target);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        if (iterations is null && duration is null)
        {
            iterations = 100_000;
        }

        var runSeed = seed ?? Random.Shared.Next();
        Console.WriteLine($"fuzz seed {runSeed}{(seed is null ? " (random; pass --seed " + runSeed + " to repeat this run)" : "")}");
        var names = target == "all" ? FuzzTargets.Names : [target];
        var failed = false;
        var results = new List<FuzzRunResult>();
        foreach (var name in names)
        {
            await using var fuzzTarget = FuzzTargets.Create(name);
            await fuzzTarget.StartAsync();
            if (input is not null)
            {
                var outcome = await FuzzRunner.RunOneAsync(fuzzTarget, input);
                Console.WriteLine(outcome is null ? $"[{name}] the input passes every check" : outcome.Describe());
                failed |= outcome is not null;
                continue;
            }

            var result = await FuzzRunner.RunAsync(fuzzTarget, new FuzzRunOptions
            {
                Seed = runSeed,
                Iterations = iteration is null ? iterations : 1,
                Duration = iteration is null ? duration : null,
                OnlyIteration = iteration,
                Minimize = minimize,
                Verbose = verbose,
                Log = Console.Out,
            });
            results.Add(result);
            Console.WriteLine(result);
            failed |= result.Failures.Count > 0;
        }

        if (results.Count > 1)
        {
            Console.WriteLine("summary:");
            foreach (var result in results)
            {
                Console.WriteLine("  " + result);
            }
        }

        return failed ? 1 : 0;
    }

    private static TimeSpan ParseDuration(string text)
    {
        var unit = text[^1];
        var value = double.Parse(char.IsAsciiDigit(unit) ? text : text[..^1], CultureInfo.InvariantCulture);
        return unit switch
        {
            'h' => TimeSpan.FromHours(value),
            'm' => TimeSpan.FromMinutes(value),
            's' or (>= '0' and <= '9') => TimeSpan.FromSeconds(value),
            _ => throw new FormatException($"unknown duration unit in '{text}' (use s, m or h)"),
        };
    }
}
