using HdrHistogram;

namespace RaftKv.Ctl.Bench;

/// <summary>
/// Latencies in microseconds in an HdrHistogram (3 significant digits: any percentile within 0.1% of the true
/// value, fixed memory however long the run, up to 2^40 µs). Min, max and sum are kept exactly beside it.
/// One per client (no sharing); <see cref="Add(LatencyHistogram)"/> merges.
/// </summary>
public sealed class LatencyHistogram
{
    private const long HighestTrackable = (1L << 40) - 1;   // 12 days in µs
    private const int SignificantDigits = 3;

    private readonly LongHistogram _histogram = new(HighestTrackable, SignificantDigits);

    public long Count { get; private set; }
    public long MinMicros { get; private set; } = long.MaxValue;
    public long MaxMicros { get; private set; }
    public double SumMicros { get; private set; }

    public double MeanMicros => Count == 0 ? 0 : SumMicros / Count;

    public void Record(long micros)
    {
        micros = Math.Clamp(micros, 0, HighestTrackable);
        _histogram.RecordValue(micros);
        Count++;
        SumMicros += micros;
        if (micros < MinMicros) MinMicros = micros;
        if (micros > MaxMicros) MaxMicros = micros;
    }

    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        _histogram.Add(other._histogram);
        Count += other.Count;
        SumMicros += other.SumMicros;
        if (other.Count > 0)
        {
            MinMicros = Math.Min(MinMicros, other.MinMicros);
            MaxMicros = Math.Max(MaxMicros, other.MaxMicros);
        }
    }

    /// <summary>
    /// The smallest recorded value v such that at least <paramref name="percentile"/>% of the values are ≤ v
    /// (to the histogram's precision, clamped to the exact min and max). 0 when empty.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        if (percentile is < 0 or > 100 || double.IsNaN(percentile))
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "a percentile is between 0 and 100");
        if (Count == 0) return 0;
        return Math.Clamp(_histogram.GetValueAtPercentile(percentile), MinMicros, MaxMicros);
    }
}
