namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// Liveness bugs the simulator found, pinned down as small deterministic scripts (independent of how
/// the simulator draws its seeds). Messages are delivered at once and in order; only clocks differ.
/// </summary>
public sealed class ElectionLivenessRegressionTests
{
    private static readonly ClusterConfig Voters = ClusterConfig.OfVoters(0, 1, 2);

    private static Raft NewCore(int id) => new(
        new RaftOptions { Id = id, InitialConfig = Voters, ElectionTicks = 10, PreVote = false, CheckQuorum = false },
        PersistentState.Empty,
        new Random(id));

    /// <summary>Handles every Ready and delivers every message until the cluster is quiet; messages to or from a node in <paramref name="cut"/> are lost.</summary>
    private static void Pump(Raft?[] cores, params int[] cut)
    {
        var queue = new Queue<Message>();
        while (true)
        {
            foreach (var core in cores)
            {
                if (core is null) continue;
                while (core.HasReady)
                {
                    var ready = core.GetReady();
                    foreach (var m in ready.AllMessages) queue.Enqueue(m);
                    core.Advance(ready);
                }
            }
            if (queue.Count == 0) return;
            while (queue.TryDequeue(out var m))
                if (!cut.Contains(m.From) && !cut.Contains(m.To)) cores[m.To]?.Step(m);
        }
    }

    [Fact]
    public void Up_to_date_voter_is_elected_although_a_stale_candidate_with_a_faster_clock_keeps_campaigning()
    {
        // Simulator seed 1342 (at commit 87a48a2): with PreVote off, a higher-term RequestVote restarted
        // the receiver's election timer even when it refused the vote. A stale node whose clock runs
        // twice as fast then campaigned before any up-to-date node could time out, for ever.
        var cores = new Raft?[] { NewCore(0), NewCore(1), NewCore(2) };
        cores[0]!.Campaign();
        Pump(cores);
        cores[0]!.Role.Should().Be(Role.Leader);
        for (var i = 0; i < 3; i++) cores[0]!.Propose([(byte)i], out _);
        Pump(cores, cut: 2); // node 2 misses them: its log is now stale
        cores[1]!.LastIndex.Should().Be(4);
        cores[2]!.LastIndex.Should().Be(1);

        cores[0] = null; // the leader crashes; node 1 (up to date) and node 2 (stale) remain
        for (var tick = 0; tick < 100 && cores[1]!.Role != Role.Leader; tick++)
        {
            cores[1]!.Tick();
            cores[2]!.Tick(); // node 2's clock runs twice as fast: it always times out first
            cores[2]!.Tick();
            Pump(cores);
        }

        cores[1]!.Role.Should().Be(Role.Leader, "node 1 holds every committed entry and must win once its own timer fires");
        cores[2]!.LeaderId.Should().Be(1);
    }
}
