namespace RaftKv.Replica.Tests;

public sealed class LeaseClockTests
{
    private const int TicksPerSecond = 10;

    private static LeaseClock Leading(params (long Id, long Ttl)[] leases)
    {
        var clock = new LeaseClock(TicksPerSecond);
        clock.StartLeading(leases);
        return clock;
    }

    private static void Advance(LeaseClock clock, int ticks)
    {
        for (var i = 0; i < ticks; i++) clock.Tick();
    }

    [Fact]
    public void A_lease_expires_after_exactly_its_TTL_in_ticks()
    {
        var clock = Leading((7, 2));

        Advance(clock, 2 * TicksPerSecond - 1);
        clock.Expired().Should().BeEmpty();
        clock.Tick();

        clock.Expired().Should().Equal(7);
    }

    [Fact]
    public void A_keepalive_restarts_the_full_TTL()
    {
        var clock = Leading((7, 2));
        Advance(clock, 15);

        clock.KeepAlive(7, 2).Should().BeTrue();
        Advance(clock, 19);

        clock.Expired().Should().BeEmpty();
        clock.Remaining(7).Should().Be(1);
    }

    [Fact]
    public void A_new_leader_gives_every_lease_its_full_TTL_again()
    {
        var clock = new LeaseClock(TicksPerSecond);
        Advance(clock, 1000);

        clock.StartLeading([(7, 3)]);
        Advance(clock, 3 * TicksPerSecond - 1);

        clock.Expired().Should().BeEmpty();
        clock.Remaining(7).Should().Be(1);
    }

    [Fact]
    public void An_expired_lease_is_proposed_for_revoke_once_unless_the_proposal_is_lost()
    {
        var clock = Leading((7, 1));
        Advance(clock, TicksPerSecond);
        clock.RevokeProposed(7);

        clock.Expired().Should().BeEmpty();
        clock.KeepAlive(7, 1).Should().BeFalse("a lease whose revoke is under way cannot be kept alive");
        clock.RevokeLost(7);
        clock.Expired().Should().Equal(7);
    }

    [Fact]
    public void A_follower_counts_nothing_and_expires_nothing()
    {
        var clock = Leading((7, 1));
        clock.StopLeading();
        Advance(clock, 100);

        clock.Expired().Should().BeEmpty();
        clock.Remaining(7).Should().BeNull();
        clock.KeepAlive(7, 1).Should().BeFalse();
    }

    [Fact]
    public void Sync_starts_new_leases_now_and_forgets_revoked_ones()
    {
        var clock = Leading((7, 1));
        Advance(clock, 5);

        clock.Sync([(9, 1)]);

        clock.Count.Should().Be(1);
        Advance(clock, TicksPerSecond - 1);
        clock.Expired().Should().BeEmpty();
        clock.Tick();
        clock.Expired().Should().Equal(9);
    }
}
