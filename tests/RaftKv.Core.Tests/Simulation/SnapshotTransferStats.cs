namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// What one run did with snapshots (ClusterSimulation.Snapshots.cs): streams opened, cut (and why), delivered, crashes
/// injected mid-transfer and mid-install, and what the restarts after a mid-install crash recovered. Tests assert on
/// these so that a scenario that stopped producing a path would fail instead of passing vacuously.
/// </summary>
public sealed record SnapshotTransferStats
{
    /// <summary>Streams opened (an offer while a stream of the same term is under way opens none).</summary>
    public int Started { get; init; }

    /// <summary>Offers ignored because a stream of the same leader term was already under way (as the real streamer does).</summary>
    public int OffersIgnored { get; init; }

    /// <summary>Streams whose every byte arrived: the receiver's replica was handed the snapshot.</summary>
    public int Delivered { get; init; }

    /// <summary>Delivered streams that had stood still behind a partition on the way.</summary>
    public int DeliveredAfterStall { get; init; }

    /// <summary>Delivered streams of a snapshot older than the sender's newest by then: the sender compacted again meanwhile.</summary>
    public int DeliveredAfterSenderCompacted { get; init; }

    public int CutByPartition { get; init; }
    public int CutByReset { get; init; }
    public int CutBySenderCrash { get; init; }
    public int CutByReceiverCrash { get; init; }

    /// <summary>Replaced by an offer of another term (a new leadership) before it finished.</summary>
    public int Replaced { get; init; }

    /// <summary>Crashes injected into either end of a stream under way.</summary>
    public int CrashesMidTransfer { get; init; }

    /// <summary>Receiver crashes injected while the snapshot file was being written (before its rename).</summary>
    public int InstallCrashesBeforeFile { get; init; }

    /// <summary>Receiver crashes injected with the snapshot file in place but the log not yet reset.</summary>
    public int InstallCrashesBeforeReset { get; init; }

    /// <summary>Restarts after a mid-install crash that recovered the old state / the new one (checked: nothing else).</summary>
    public int RestartsWithOldState { get; init; }
    public int RestartsWithNewState { get; init; }

    /// <summary>
    /// Installs whose old log went on past the snapshot: it continued the snapshot (same term at its index) and its
    /// entries after it were kept, or it did not and they were dropped (Raft Figure 13 step 6).
    /// </summary>
    public int InstallsKeepingOldEntries { get; init; }
    public int InstallsDroppingOldEntries { get; init; }

    /// <summary>Compactions a node made while a stream of its older snapshot was under way.</summary>
    public int CompactionsDuringTransfer { get; init; }

    /// <summary>Snapshots the lagging follower (<see cref="SnapshotScenario.LaggingFollower"/>) installed from a leader.</summary>
    public int LaggingFollowerInstalls { get; init; }

    /// <summary>Runs in which every member applied what was committed at the heal while clients kept writing (<see cref="SnapshotScenario.WritesAfterHeal"/>).</summary>
    public int CaughtUpWhileWriting { get; init; }

    /// <summary>The largest snapshot streamed, in bytes.</summary>
    public long LargestBytes { get; init; }

    public int Cut => CutByPartition + CutByReset + CutBySenderCrash + CutByReceiverCrash + Replaced;

    public static SnapshotTransferStats Sum(IEnumerable<SnapshotTransferStats> all)
    {
        var list = all.ToList();
        int S(Func<SnapshotTransferStats, int> f) => list.Sum(f);
        return new SnapshotTransferStats
        {
            Started = S(s => s.Started), OffersIgnored = S(s => s.OffersIgnored), Delivered = S(s => s.Delivered),
            DeliveredAfterStall = S(s => s.DeliveredAfterStall), DeliveredAfterSenderCompacted = S(s => s.DeliveredAfterSenderCompacted),
            CutByPartition = S(s => s.CutByPartition), CutByReset = S(s => s.CutByReset), CutBySenderCrash = S(s => s.CutBySenderCrash),
            CutByReceiverCrash = S(s => s.CutByReceiverCrash), Replaced = S(s => s.Replaced), CrashesMidTransfer = S(s => s.CrashesMidTransfer),
            InstallCrashesBeforeFile = S(s => s.InstallCrashesBeforeFile), InstallCrashesBeforeReset = S(s => s.InstallCrashesBeforeReset),
            RestartsWithOldState = S(s => s.RestartsWithOldState), RestartsWithNewState = S(s => s.RestartsWithNewState),
            CompactionsDuringTransfer = S(s => s.CompactionsDuringTransfer), LaggingFollowerInstalls = S(s => s.LaggingFollowerInstalls),
            CaughtUpWhileWriting = S(s => s.CaughtUpWhileWriting), InstallsKeepingOldEntries = S(s => s.InstallsKeepingOldEntries),
            InstallsDroppingOldEntries = S(s => s.InstallsDroppingOldEntries), LargestBytes = list.Count == 0 ? 0 : list.Max(s => s.LargestBytes),
        };
    }

    public override string ToString() =>
        $"snapshot streams: {Started} opened, {OffersIgnored} offers ignored (stream under way), {Delivered} delivered " +
        $"({DeliveredAfterStall} after standing still, {DeliveredAfterSenderCompacted} after the sender compacted again), " +
        $"{Cut} cut ({CutByPartition} partition, {CutByReset} reset, {CutBySenderCrash} sender crash, {CutByReceiverCrash} receiver crash, {Replaced} replaced), " +
        $"{CrashesMidTransfer} crashes mid-transfer, {InstallCrashesBeforeFile + InstallCrashesBeforeReset} mid-install " +
        $"({InstallCrashesBeforeFile} before the file, {InstallCrashesBeforeReset} before the log reset; restarts: {RestartsWithOldState} old state, {RestartsWithNewState} new), " +
        $"installs over an old log that continued the snapshot {InstallsKeepingOldEntries}, that did not {InstallsDroppingOldEntries}, " +
        $"{CompactionsDuringTransfer} compactions during a transfer, {LaggingFollowerInstalls} lagging-follower installs, " +
        $"{CaughtUpWhileWriting} catch-ups while writing, largest {LargestBytes} bytes";
}
