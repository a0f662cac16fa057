using RaftKv.Protocol;

namespace RaftKv.Client.Tests;

/// <summary>The one backoff rule that clients (between retries) and nodes (between peer redials) share.</summary>
public sealed class BackoffTests
{
    [Theory]
    [InlineData(0, 5, 10)]
    [InlineData(1, 10, 20)]
    [InlineData(2, 20, 40)]
    [InlineData(4, 80, 160)]
    [InlineData(5, 100, 200)]
    [InlineData(1000, 100, 200)]
    public void Each_wait_is_drawn_from_half_to_all_of_a_ceiling_that_doubles_per_retry_up_to_the_maximum(int retry, double low, double high)
    {
        var waits = Enumerable.Range(0, 200).Select(_ => Backoff.ClientRetry.Delay(retry).TotalMilliseconds).ToList();

        waits.Should().OnlyContain(w => w >= low && w <= high);
        waits.Distinct().Count().Should().BeGreaterThan(1, "the waits are jittered so retries that failed together spread out");
    }

    [Fact]
    public void A_negative_retry_number_waits_like_the_first_retry()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));

        backoff.Delay(-3).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(500)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(1));
    }
}
