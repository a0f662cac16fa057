namespace RaftKv.Core.Tests.Simulation;

// Faults during the chaos phase (FaultKinds), and healing.
public sealed partial class ClusterSimulation
{
    /// <summary>Membership plan, three rounds of: 0 = remove a voter, 1 = add a new learner, 2 = promote it.</summary>
    private int _membershipStage;
    private int _newMember = NodeIds.None;

    private int _partitions;
    private int _transfers;
    private int _membershipChanges;
    private int _diskFullEpisodes;

    private long NextFaultDelay() => 1 + (long)(-Math.Log(1 - _rng.NextDouble()) * _s.MeanFaultInterval);

    private void InjectFault()
    {
        if (_healed) return;
        var kinds = new List<FaultKinds>();
        foreach (var kind in new[]
                 {
                     FaultKinds.Crashes, FaultKinds.SymmetricPartitions, FaultKinds.OneWayPartitions, FaultKinds.LeaderIsolation,
                     FaultKinds.FlappingPartitions, FaultKinds.LeadershipTransfers, FaultKinds.MembershipChanges, FaultKinds.Pauses,
                     FaultKinds.DiskFull,
                 })
            if (Has(kind)) kinds.Add(kind);
        switch (kinds[_rng.Next(kinds.Count)])
        {
            case FaultKinds.Crashes: CrashSomeNode(); break;
            case FaultKinds.SymmetricPartitions: Partition(RandomSplit(), symmetric: true, "partition"); break;
            case FaultKinds.OneWayPartitions: Partition(RandomOneWayLinks(), symmetric: false, "one-way partition"); break;
            case FaultKinds.LeaderIsolation: IsolateLeader(); break;
            case FaultKinds.FlappingPartitions: StartFlapping(); break;
            case FaultKinds.LeadershipTransfers: TransferLeadership(); break;
            case FaultKinds.MembershipChanges: AdvanceMembershipChange(); break;
            case FaultKinds.Pauses: PauseSomeNode(); break;
            case FaultKinds.DiskFull: FillSomeDisk(); break;
        }
        Schedule(NextFaultDelay(), new SimEvent(SimEventKind.Action, Action: InjectFault, Label: "fault"));
    }

    private List<SimNode> LiveNodes() => _nodes.Where(n => n.IsUp).ToList();

    private void CrashSomeNode()
    {
        var live = LiveNodes();
        if (live.Count == 0) return;
        if (_rng.Next(10) == 0)
        {
            // The whole cluster loses power: everyone restarts from nothing but its disk.
            foreach (var each in live) Crash(each, "whole-cluster crash");
            return;
        }
        Crash(live[_rng.Next(live.Count)], "crash fault");
    }

    /// <summary>A stall (a long GC pause, SIGSTOP): nothing is lost, everything waits, then floods in; missed ticks coalesce.</summary>
    private void PauseSomeNode()
    {
        var live = LiveNodes();
        if (live.Count == 0) return;
        var node = live[_rng.Next(live.Count)];
        node.PausedUntil = Math.Max(node.PausedUntil, _now + _rng.Next(1, 5 * _s.ElectionTimeout));
        Trace($"node {node.Id} paused until {node.PausedUntil}", node.Core);
    }

    /// <summary>A node's disk fills up for a while: its writes wait, its snapshots fail, its replica refuses client writes.</summary>
    private void FillSomeDisk()
    {
        var node = _nodes[_rng.Next(_nodes.Count)];
        if (node.Disk.Full) return;
        node.Disk.Full = true;
        _diskFullEpisodes++;
        Trace($"node {node.Id} disk full");
        Schedule(_rng.Next(1, 6) * _s.ElectionTimeout, new SimEvent(SimEventKind.Action, Label: $"node {node.Id} disk has space again",
            Action: () => node.Disk.Full = false));
    }

    private void Crash(SimNode node, string why)
    {
        _crashes++;
        Trace($"node {node.Id} CRASH ({why})", node.Core);
        // Whoever waits on this node learns nothing more: clients time out and retry elsewhere.
        node.Replica = null;
        node.PausedUntil = 0;
        node.Disk.Crash();
        node.Incarnation++;
        var incarnation = node.Incarnation;
        Schedule(_rng.Next(1, _s.MaxDowntime + 1), new SimEvent(SimEventKind.Action, Label: $"restart node {node.Id}", Action: () =>
        {
            if (!node.IsUp && node.Incarnation == incarnation) Restart(node);
        }));
    }

    private void Restart(SimNode node)
    {
        Trace($"node {node.Id} restart", $"disk: {node.Disk.HardState}, snapshot {node.Disk.Snapshot?.Metadata.Index ?? 0}, {node.Disk.Entries.Count} entries");
        Boot(node);
    }

    private void Partition(List<(int From, int To)> links, bool symmetric, string what)
    {
        if (symmetric) links = [.. links, .. links.Select(l => (l.To, l.From))];
        _partitions++;
        Block(links);
        Trace(what, string.Join(" ", links.Select(l => $"{l.From}->{l.To}")));
        Schedule(_rng.Next(1, 6) * _s.ElectionTimeout, new SimEvent(SimEventKind.Action, Label: $"end {what}", Action: () =>
        {
            if (!_healed) Unblock(links);
        }));
    }

    private SimNode? CurrentLeader() =>
        _nodes.Where(n => n.Core is { Role: Role.Leader } && n.PausedUntil <= _now).OrderByDescending(n => n.Core!.Term).FirstOrDefault();

    private void IsolateLeader()
    {
        var leader = CurrentLeader();
        if (leader is null) return;
        var links = _nodes.Where(n => n.Id != leader.Id).Select(n => (leader.Id, n.Id)).ToList();
        Partition(links, symmetric: true, $"isolate leader {leader.Id}");
    }

    private void StartFlapping()
    {
        var links = RandomSplit();
        links = [.. links, .. links.Select(l => (l.To, l.From))];
        var until = _now + _rng.Next(3, 10) * _s.ElectionTimeout;
        var period = _rng.Next(1, 4) * _s.TickInterval * _s.HeartbeatTicks;
        Flap(links, until, period, "flapping partition");
    }

    /// <summary>Blocks and unblocks <paramref name="links"/> every <paramref name="period"/> until <paramref name="until"/> (or the heal).</summary>
    private void Flap(List<(int From, int To)> links, long until, long period, string what)
    {
        _partitions++;
        var on = false;
        Trace(what, string.Join(" ", links.Select(l => $"{l.From}->{l.To}")));
        void Flip()
        {
            if (_healed) return;
            if (on) Unblock(links);
            else if (_now < until) Block(links);
            on = !on && _now < until;
            if (on || _now < until) Schedule(period, new SimEvent(SimEventKind.Action, Action: Flip, Label: "flap"));
        }
        Flip();
    }

    private void TransferLeadership()
    {
        var leader = CurrentLeader();
        if (leader?.Core is not { } core) return;
        var voters = core.Config.Voters.Where(v => v != leader.Id).ToList();
        if (voters.Count == 0) return;
        var target = voters[_rng.Next(voters.Count)];
        if (_rng.Next(4) == 0 && _nodes[target].IsUp && _nodes[target].PausedUntil <= _now)
        {
            // An operator forcing an election on a follower (Campaign), instead of a polite transfer.
            Input(_nodes[target], "campaigns", r => r.Campaign());
            return;
        }
        _transfers++;
        Input(leader, $"transfer leadership to {target}", r => Trace("transfer", r.TransferLeadership(target) ? "started" : "refused"));
    }

    private void AdvanceMembershipChange()
    {
        var leader = CurrentLeader();
        if (leader?.Core is not { } core || _membershipStage >= 9) return;
        ConfigChange change;
        switch (_membershipStage % 3)
        {
            case 0:
                var voters = core.Config.Voters;
                // Down to a single voter (plus learners) at times: the case where durability rules bite hardest.
                if (voters.Length <= 1) return;
                change = new ConfigChange(ConfigChangeType.Remove, voters[_rng.Next(voters.Length)]);
                break;
            case 1:
                _newMember = _nodes.Count;
                change = new ConfigChange(ConfigChangeType.AddLearner, _newMember);
                break;
            default:
                // Promote only once the learner has caught up (thesis §4.2.1), or the cluster may stall.
                if (!core.Config.IsLearner(_newMember) || !core.Progress.TryGetValue(_newMember, out var pr) || pr.Match < core.CommitIndex) return;
                change = new ConfigChange(ConfigChangeType.PromoteToVoter, _newMember);
                break;
        }
        var result = ProposeResult.NotLeader;
        var index = 0L;
        Input(leader, $"propose {change}", r => result = r.ProposeConfigChange(change, out index));
        Trace($"propose {change} at leader {leader.Id}", result == ProposeResult.Accepted ? $"index {index}" : result);
        if (result != ProposeResult.Accepted) return;
        _membershipChanges++;
        if (change.Type == ConfigChangeType.AddLearner)
        {
            // A brand-new server with an empty disk (never a re-used id: a node that was removed may
            // still hold votes that a fresh disk would forget).
            AddNode(new SimNode(_newMember, _sabotage));
        }
        _membershipStage++;
    }

    private void Heal()
    {
        _healed = true;
        _healTime = _now;
        _writesEndAt = WritesEndAt();
        _livenessDeadline = _writesEndAt + 40 * _s.ElectionTimeout + 60 * _s.TickInterval;
        _blocked.Clear();
        // A pause runs to its end (cutting it short would let new events overtake those it held back).
        foreach (var node in _nodes) node.Disk.Full = false;
        _dropRate = 0;
        _duplicateRate = 0;
        _longDelayRate = 0;
        foreach (var node in _nodes.Where(n => !n.IsUp)) Restart(node);
        ScheduleCatchUpCheck();
    }
}
