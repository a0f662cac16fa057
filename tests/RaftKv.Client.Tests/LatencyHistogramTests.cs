using RaftKv.Ctl.Bench;

namespace RaftKv.Client.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_of_an_empty_histogram_are_zero()
    {
        var h = new LatencyHistogram();

        h.ValueAtPercentile(50).Should().Be(0);
        h.Count.Should().Be(0);
    }

    [Fact]
    public void Percentiles_are_within_one_percent_of_the_exact_values()
    {
        var h = new LatencyHistogram();
        for (var v = 1; v <= 100_000; v++) h.Record(v);

        h.MinMicros.Should().Be(1);
        h.MaxMicros.Should().Be(100_000);
        h.ValueAtPercentile(50).Should().BeCloseTo(50_000, 500);
        h.ValueAtPercentile(99).Should().BeCloseTo(99_000, 990);
        h.ValueAtPercentile(99.9).Should().BeCloseTo(99_900, 999);
        h.ValueAtPercentile(100).Should().Be(100_000);
    }

    [Fact]
    public void Small_values_are_kept_exactly()
    {
        var h = new LatencyHistogram();
        foreach (var v in new[] { 3, 3, 7, 200 }) h.Record(v);

        h.ValueAtPercentile(50).Should().Be(3);
        h.ValueAtPercentile(75).Should().Be(7);
        h.ValueAtPercentile(100).Should().Be(200);
    }

    [Fact]
    public void Merging_adds_counts_and_keeps_the_extremes()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        a.Record(10);
        b.Record(5_000);
        b.Record(20);

        a.Add(b);

        a.Count.Should().Be(3);
        a.MinMicros.Should().Be(10);
        a.MaxMicros.Should().Be(5_000);
        a.ValueAtPercentile(50).Should().Be(20);
    }
}
