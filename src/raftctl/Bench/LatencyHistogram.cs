using System.Numerics;

namespace RaftKv.Ctl.Bench;

/// <summary>
/// Latencies in microseconds, HDR-style: exact below 256 µs, then 128 buckets per power of two, so
/// any percentile is within 1% of the true value while the memory stays fixed however long the run.
/// Min and max are kept exactly. One per client (no sharing); <see cref="Add(LatencyHistogram)"/> merges.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;        // 128 per power of two
    private const int ExactBelow = SubBuckets * 2;             // 256 µs
    private const int MaxExponent = 40;                        // 2^40 µs is 12 days

    private readonly long[] _counts = new long[ExactBelow + ((MaxExponent - SubBucketBits) * SubBuckets)];

    public long Count { get; private set; }
    public long MinMicros { get; private set; } = long.MaxValue;
    public long MaxMicros { get; private set; }
    public double SumMicros { get; private set; }

    public double MeanMicros => Count == 0 ? 0 : SumMicros / Count;

    public void Record(long micros)
    {
        micros = Math.Clamp(micros, 0, (1L << MaxExponent) - 1);
        _counts[IndexOf(micros)]++;
        Count++;
        SumMicros += micros;
        if (micros < MinMicros) MinMicros = micros;
        if (micros > MaxMicros) MaxMicros = micros;
    }

    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
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
    /// (to the bucket's precision; the top of the bucket, clamped to the exact max). 0 when empty.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        if (percentile is < 0 or > 100 || double.IsNaN(percentile))
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "a percentile is between 0 and 100");
        if (Count == 0) return 0;
        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * Count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return Math.Clamp(HighestIn(i), MinMicros, MaxMicros);
        }
        return MaxMicros;
    }

    private static int IndexOf(long micros)
    {
        if (micros < ExactBelow) return (int)micros;
        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)micros);   // >= 8
        var shift = exponent - SubBucketBits;
        var sub = (int)(micros >> shift) - SubBuckets;                          // 0..127
        return ExactBelow + ((exponent - SubBucketBits - 1) * SubBuckets) + sub;
    }

    private static long HighestIn(int index)
    {
        if (index < ExactBelow) return index;
        var offset = index - ExactBelow;
        var exponent = (offset / SubBuckets) + SubBucketBits + 1;
        var shift = exponent - SubBucketBits;
        var sub = (offset % SubBuckets) + SubBuckets;
        return ((long)(sub + 1) << shift) - 1;
    }
}
