using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RaftKv.Ctl.Bench;

/// <summary>What a bench run measured: counts, the wall-clock time from the first operation to the last answer, latencies of successful operations, and failures by kind.</summary>
public sealed record BenchResult
{
    public required BenchOptions Options { get; init; }
    public required long Writes { get; init; }
    public required long Reads { get; init; }
    public required TimeSpan Elapsed { get; init; }
    public required LatencyHistogram Latency { get; init; }
    public required LatencyHistogram WriteLatency { get; init; }
    public required LatencyHistogram ReadLatency { get; init; }
    public required IReadOnlyDictionary<string, long> Errors { get; init; }
    public bool Interrupted { get; init; }

    /// <summary>Operations that succeeded (for a read, NotFound is a success: the key was never written).</summary>
    public long Ops => Writes + Reads;
    public long ErrorCount => Errors.Values.Sum();
    public double OpsPerSecond => Elapsed > TimeSpan.Zero ? Ops / Elapsed.TotalSeconds : 0;

    public string ToText()
    {
        var o = Options;
        var text = new StringBuilder();
        text.Append(Invariant($"clients {o.Clients} over {o.EffectiveConnections} connection(s), key {o.KeySize} B, value {o.ValueSize} B, key space {o.KeySpace}, read ratio {o.ReadRatio}{(o.Stale ? " (stale reads)" : "")}\n"));
        if (Interrupted) text.Append("interrupted: partial results\n");
        text.Append(Invariant($"ops:        {Ops} ({Writes} writes, {Reads} reads)\n"));
        text.Append(Invariant($"duration:   {Elapsed.TotalSeconds:0.000} s\n"));
        text.Append(Invariant($"throughput: {OpsPerSecond:0} ops/s\n"));
        AppendLatency(text, "latency", Latency);
        if (Writes > 0 && Reads > 0)
        {
            AppendLatency(text, "writes", WriteLatency);
            AppendLatency(text, "reads", ReadLatency);
        }
        text.Append(Invariant($"errors:     {ErrorCount}"));
        if (ErrorCount > 0)
            text.Append(" (").AppendJoin(", ", Errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => Invariant($"{e.Key}: {e.Value}"))).Append(')');
        text.Append('\n');
        return text.ToString();
    }

    private static void AppendLatency(StringBuilder text, string label, LatencyHistogram h) =>
        text.Append(Invariant($"{label + ":",-12}min {Ms(MinOf(h))}  p50 {Ms(h.ValueAtPercentile(50))}  p90 {Ms(h.ValueAtPercentile(90))}  p99 {Ms(h.ValueAtPercentile(99))}  p99.9 {Ms(h.ValueAtPercentile(99.9))}  max {Ms(h.MaxMicros)} ms\n"));

    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var o = Options;
        writer.WriteStartObject();
        writer.WriteNumber("clients", o.Clients);
        writer.WriteNumber("connections", o.EffectiveConnections);
        writer.WriteNumber("keySize", o.KeySize);
        writer.WriteNumber("valueSize", o.ValueSize);
        writer.WriteNumber("keySpace", o.KeySpace);
        writer.WriteNumber("readRatio", o.ReadRatio);
        writer.WriteBoolean("stale", o.Stale);
        writer.WriteBoolean("interrupted", Interrupted);
        writer.WriteNumber("ops", Ops);
        writer.WriteNumber("writes", Writes);
        writer.WriteNumber("reads", Reads);
        writer.WriteNumber("durationSeconds", Math.Round(Elapsed.TotalSeconds, 6));
        writer.WriteNumber("opsPerSecond", Math.Round(OpsPerSecond, 1));
        writer.WritePropertyName("latencyMs");
        WriteLatencyJson(writer, Latency);
        writer.WritePropertyName("writeLatencyMs");
        WriteLatencyJson(writer, WriteLatency);
        writer.WritePropertyName("readLatencyMs");
        WriteLatencyJson(writer, ReadLatency);
        writer.WriteNumber("errors", ErrorCount);
        writer.WriteStartObject("errorsByKind");
        foreach (var (kind, count) in Errors.OrderBy(e => e.Key, StringComparer.Ordinal)) writer.WriteNumber(kind, count);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteLatencyJson(Utf8JsonWriter writer, LatencyHistogram h)
    {
        writer.WriteStartObject();
        writer.WriteNumber("count", h.Count);
        writer.WriteNumber("min", MsValue(MinOf(h)));
        writer.WriteNumber("mean", Math.Round(h.MeanMicros / 1000, 3));
        writer.WriteNumber("p50", MsValue(h.ValueAtPercentile(50)));
        writer.WriteNumber("p90", MsValue(h.ValueAtPercentile(90)));
        writer.WriteNumber("p99", MsValue(h.ValueAtPercentile(99)));
        writer.WriteNumber("p999", MsValue(h.ValueAtPercentile(99.9)));
        writer.WriteNumber("max", MsValue(h.MaxMicros));
        writer.WriteEndObject();
    }

    private static long MinOf(LatencyHistogram h) => h.Count == 0 ? 0 : h.MinMicros;

    private static double MsValue(long micros) => micros / 1000.0;

    private static string Ms(long micros) => MsValue(micros).ToString("0.000", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
