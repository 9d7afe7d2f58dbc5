namespace LoadGen;

/// <summary>One measurement: a server, a scenario variant, one repeat.</summary>
public sealed class Result
{
    public string Server { get; set; } = "";
    public string Scenario { get; set; } = "";
    public string Variant { get; set; } = "";
    public int Clients { get; set; }
    public int Repeat { get; set; }
    public double? Rate { get; set; }
    public double? DeliveriesPerS { get; set; }
    public double? CpuSPerMillion { get; set; }
    public double? CoreCpuSPerMillion { get; set; }
    public double? SoftirqShare { get; set; }
    public double? P50Ms { get; set; }
    public double? P99Ms { get; set; }
    public double? P999Ms { get; set; }
    public double? BytesPerConnection { get; set; }
    public double? HeapBytesPerConnection { get; set; }
    public double? AcksPerS { get; set; }
    public double? DeliveredRatio { get; set; }
    public bool? Sustained { get; set; }
    public double? ServerCpu { get; set; }
    public double GenCpu { get; set; }
    public double? SchedLagP99Ms { get; set; }
    public long Errors { get; set; }
    public bool Valid { get; set; } = true;
    public string? Note { get; set; }
    public int Runs { get; set; } = 1;
    public double? LoadAvg { get; set; }
    public double? Min { get; set; }
    public double? Max { get; set; }
    public string? Ladder { get; set; }

    /// <summary>Server processes measured together (S5: two nodes on one Redis); null means one.</summary>
    public int? Nodes { get; set; }

    /// <summary>S5: the redis-server process's CPU-seconds per million deliveries (not in <see cref="CpuSPerMillion"/>).</summary>
    public double? RedisCpuSPerMillion { get; set; }
}

public sealed class RunFile
{
    public string Mode { get; set; } = "";
    public string Command { get; set; } = "";
    public string Date { get; set; } = "";
    public Dictionary<string, string> Machine { get; set; } = new();
    public Dictionary<string, string> Settings { get; set; } = new();
    public List<Result> Results { get; set; } = new();
    public List<Result> Runs { get; set; } = new();
}
