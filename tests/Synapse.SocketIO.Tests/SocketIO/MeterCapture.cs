using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Synapse.SocketIO.Diagnostics;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>
/// Sums the measurements of one server's <c>Synapse.SocketIO</c> instruments (only that host's
/// meter: other tests run servers in parallel, each with its own meter from its IMeterFactory).
/// </summary>
internal sealed class MeterCapture : IDisposable
{
    private readonly ConcurrentDictionary<string, long> _totals = new(StringComparer.Ordinal);
    private readonly MeterListener _listener;

    public MeterCapture(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SocketIOMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _totals.AddOrUpdate(instrument.Name, value, (_, total) => total + value));
        _listener.Start();
    }

    /// <summary>The sum of the measurements of <paramref name="instrument"/> since the capture started.</summary>
    public long this[string instrument] => _totals.TryGetValue(instrument, out var value) ? value : 0;

    public void Dispose() => _listener.Dispose();
}
