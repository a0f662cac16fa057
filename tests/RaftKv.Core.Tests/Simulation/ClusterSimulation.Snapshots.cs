using RaftKv.Core.Tests.Simulation.Invariants;

namespace RaftKv.Core.Tests.Simulation;

// Snapshots under faults: how InstallSnapshot travels, how it is installed, and the faults that hit both.
//
// What this models of the real node (src/RaftKv.Transport/SnapshotStreamer.cs, SnapshotReceiver.cs, SnapshotStaging.cs,
// src/RaftKv.Storage/RaftStorage.cs), and what it leaves out:
// - An InstallSnapshot message never travels on the peer network as one message. The leader's transport opens a
//   stream of its own to the follower (one per follower at a time) and sends the snapshot in chunks, one chunk per
//   ChunkTime: a transfer takes time in proportion to the snapshot's size. Only sizes are modelled (no bytes are
//   copied); the snapshot object is handed to the receiver whole, and only once every byte has arrived, as the
//   receiver hands its node the message only after the last chunk and the whole-file CRC. A corrupted chunk (which
//   the CRC would catch) is not modelled: the simulated network does not corrupt.
// - Like SnapshotStreamer.Offer, an offer while a stream of the same leader term is under way is ignored (the core
//   repeats its offer every election timeout, with its newest snapshot); an offer of another term replaces the stream.
//   The sender's slot stays taken after the last chunk until the receiver's close reaches it.
// - A stream is a TCP connection: it stands still while a partition blocks either direction or either end is paused,
//   and moves on when the partition lifts. It breaks after standing still for StallTimeout (TCP's retransmission
//   timeout), or at random while blocked (StallCutChance: a connection that a partition does break), or by a reset
//   (with message drops), or when either end crashes. A broken stream is gone: the receiver's staging file is
//   thrown away, nothing is resumed, and the leader's core, hearing nothing, offers the snapshot again (a new stream
//   from the first byte), exactly as the real transport does.
// - Installing is done by the shipped replica and core; the simulated disk then stores it in the real storage's two
//   steps (snapshot file, then the log reset with the batch), and the receiver may crash before the file, between the
//   two, or after both before it hears of them. InstallAtomicityChecker checks what each restart recovers.
public sealed partial class ClusterSimulation
{
    private readonly Random _snapRng;
    private readonly Dictionary<(int From, int To), SimSnapshotTransfer> _streams = [];
    private readonly InstallAtomicityChecker _installAtomicity = new();
    private int _nextStream;
    private int _laggingNode = NodeIds.None;
    private long _commitAtHeal;

    /// <summary>When clients may stop after the heal (the heal itself unless <see cref="SnapshotScenario.WritesAfterHeal"/>).</summary>
    private long _writesEndAt;

    private int _streamsStarted, _offersIgnored, _streamsDelivered, _deliveredAfterStall, _deliveredAfterSenderCompacted;
    private int _cutByPartition, _cutByReset, _cutBySenderCrash, _cutByReceiverCrash, _streamsReplaced;
    private int _crashesMidTransfer, _installCrashesBeforeFile, _installCrashesBeforeReset;
    private int _compactionsDuringTransfer, _laggingFollowerInstalls, _caughtUpWhileWriting;
    private int _installsKeepingOldEntries, _installsDroppingOldEntries;
    private long _largestSnapshot;

    private SnapshotScenario Snap => _s.Snapshots;

    private SnapshotTransferStats SnapshotStats() => new()
    {
        Started = _streamsStarted, OffersIgnored = _offersIgnored, Delivered = _streamsDelivered, DeliveredAfterStall = _deliveredAfterStall,
        DeliveredAfterSenderCompacted = _deliveredAfterSenderCompacted, CutByPartition = _cutByPartition, CutByReset = _cutByReset,
        CutBySenderCrash = _cutBySenderCrash, CutByReceiverCrash = _cutByReceiverCrash, Replaced = _streamsReplaced,
        CrashesMidTransfer = _crashesMidTransfer, InstallCrashesBeforeFile = _installCrashesBeforeFile, InstallCrashesBeforeReset = _installCrashesBeforeReset,
        RestartsWithOldState = _installAtomicity.RestartsWithOldState, RestartsWithNewState = _installAtomicity.RestartsWithNewState,
        CompactionsDuringTransfer = _compactionsDuringTransfer, LaggingFollowerInstalls = _laggingFollowerInstalls,
        CaughtUpWhileWriting = _caughtUpWhileWriting, LargestBytes = _largestSnapshot,
        InstallsKeepingOldEntries = _installsKeepingOldEntries, InstallsDroppingOldEntries = _installsDroppingOldEntries,
    };

    /// <summary>The size of a snapshot as its stream announces it (the one place that knows how a snapshot holds its data).</summary>
    private static long StreamLength(Snapshot snapshot) => snapshot.Data.Length;

    /// <summary>A node's compaction threshold for one incarnation: fixed, or drawn anew at every boot (compaction at random points).</summary>
    private long CompactionThreshold() =>
        !Has(FaultKinds.Compaction) ? 1_000_000 : Snap.RandomCompactionPoints ? 1 + _snapRng.Next(2 * _s.CompactEvery) : _s.CompactEvery;

    // ------------------------------------------------------------------ the stream

    /// <summary>The sender's core sent InstallSnapshot: its transport streams it (or ignores the offer, as the real one does).</summary>
    private void OfferSnapshot(SimNode sender, Message m)
    {
        var key = (m.From, m.To);
        if (_streams.TryGetValue(key, out var running) && !running.Ended && running.FromIncarnation == sender.Incarnation)
        {
            var restart = (_sabotage & Sabotage.RestartStreamOnNewerSnapshot) != 0 && m.Snapshot!.Metadata.Index > running.SnapshotIndex;
            if (running.Term == m.Term && !restart)
            {
                _offersIgnored++;
                return;
            }
            // A stream of another term replaces it (the real streamer cancels its task, which may still wait for the close).
            if (!running.Delivered) _streamsReplaced++;
            EndStream(running, "replaced by an offer of another term");
        }
        if (m.To >= _nodes.Count) return; // no such peer: nothing to dial
        var receiver = _nodes[m.To];
        var stream = new SimSnapshotTransfer(++_nextStream, m, sender.Incarnation, receiver.Incarnation, StreamLength(m.Snapshot!)) { Started = _now };
        _streams[key] = stream;
        _streamsStarted++;
        _largestSnapshot = Math.Max(_largestSnapshot, stream.Bytes);
        Trace("snapshot stream opens", stream);
        // Dial, hello and offer frame: about one network delay before the first chunk.
        ScheduleStreamStep(stream, 1 + _snapRng.Next(_s.MaxMessageDelay));
    }

    private void ScheduleStreamStep(SimSnapshotTransfer stream, long delay) =>
        Schedule(delay, new SimEvent(SimEventKind.SnapshotChunk, Action: () => StreamStep(stream)));

    private void EndStream(SimSnapshotTransfer stream, string why)
    {
        stream.Ended = true;
        Trace($"snapshot stream ends: {why}", stream);
    }

    /// <summary>One step of a stream: it breaks, stands still, or carries one more chunk (and, after the last, delivers).</summary>
    private void StreamStep(SimSnapshotTransfer stream)
    {
        if (stream.Ended) return;
        var sender = _nodes[stream.From];
        var receiver = _nodes[stream.To];
        if (sender.Incarnation != stream.FromIncarnation || !sender.IsUp)
        {
            // The sender's process is gone: the receiver reads the end of the stream and throws its staging file away.
            if (!stream.Delivered) _cutBySenderCrash++;
            EndStream(stream, stream.Delivered ? "sender gone after delivery" : "sender crashed");
            return;
        }
        if (receiver.Incarnation != stream.ToIncarnation || !receiver.IsUp)
        {
            // The receiver's process is gone (its staging file with it: SnapshotStaging.DeleteLeftovers at start).
            if (!stream.Delivered) _cutByReceiverCrash++;
            EndStream(stream, stream.Delivered ? "receiver gone after delivery" : "receiver crashed");
            return;
        }
        if (stream.Delivered)
        {
            // The receiver closes the connection after taking the snapshot; the sender's slot is free once that arrives.
            if (!IsBlocked(stream.To, stream.From))
            {
                EndStream(stream, "closed by the receiver");
                return;
            }
            if (_now - (stream.StalledSince ??= _now) > Snap.StallTimeout)
            {
                EndStream(stream, "the receiver's close never arrived (timeout)");
                return;
            }
            ScheduleStreamStep(stream, Snap.ChunkTime);
            return;
        }
        var pausedUntil = Math.Max(sender.PausedUntil, receiver.PausedUntil);
        if (pausedUntil > _now)
        {
            // A paused process neither writes nor reads: TCP waits (a zero window never times out).
            ScheduleStreamStep(stream, pausedUntil - _now);
            return;
        }
        if (IsBlocked(stream.From, stream.To) || IsBlocked(stream.To, stream.From))
        {
            // Data one way, acknowledgements the other: a partition in either direction stops the stream.
            var since = stream.StalledSince ??= _now;
            if (_snapRng.NextDouble() < Snap.StallCutChance || _now - since > Snap.StallTimeout)
            {
                _cutByPartition++;
                EndStream(stream, $"broken by a partition after standing still for {_now - since}");
                return;
            }
            ScheduleStreamStep(stream, Snap.ChunkTime);
            return;
        }
        if (stream.StalledSince is not null)
        {
            stream.StalledSince = null;
            stream.Stalled = true;
        }
        if (!_healed && _snapRng.NextDouble() < _dropRate / 8)
        {
            _cutByReset++;
            EndStream(stream, "connection reset");
            return;
        }
        if (!_healed && Has(FaultKinds.Crashes) && Snap.TransferCrashChance > 0 && _snapRng.NextDouble() < Snap.TransferCrashChance)
        {
            _crashesMidTransfer++;
            var victim = _snapRng.Next(2) == 0 ? sender : receiver;
            Crash(victim, $"mid-transfer of snapshot {stream.SnapshotIndex} ({stream.Received} of {stream.Bytes} bytes arrived)");
            ScheduleStreamStep(stream, 0); // the stream notices at once
            return;
        }
        stream.Received = Math.Min(stream.Bytes, stream.Received + Snap.ChunkBytes);
        if (stream.Received < stream.Bytes)
        {
            ScheduleStreamStep(stream, Snap.ChunkTime);
            return;
        }
        DeliverStream(stream, sender, receiver);
    }

    /// <summary>Every byte is in the receiver's staging file and the checksum holds: its node is handed the message.</summary>
    private void DeliverStream(SimSnapshotTransfer stream, SimNode sender, SimNode receiver)
    {
        if (stream.Received != stream.Bytes) throw new InvalidOperationException($"{stream} delivered before its last byte");
        stream.Delivered = true;
        _streamsDelivered++;
        if (stream.Stalled) _deliveredAfterStall++;
        if (sender.Core is { } core && core.FirstIndex - 1 > stream.SnapshotIndex) _deliveredAfterSenderCompacted++;
        ScheduleStreamStep(stream, 1 + _snapRng.Next(_s.MaxMessageDelay));
        Input(receiver, $"snapshot {stream.SnapshotIndex} streamed from {stream.From} in {_now - stream.Started}", r => r.Step(stream.Message));
    }

    // ------------------------------------------------------------------ the install on disk

    /// <summary>Where this install crashes: 0 while the snapshot file is written, 1 between the file and the log reset, -1 nowhere.</summary>
    private int InstallCrashPoint() =>
        !_healed && Snap.InstallCrashChance > 0 && Has(FaultKinds.Crashes) && _snapRng.NextDouble() < Snap.InstallCrashChance ? _snapRng.Next(2) : -1;

    /// <summary>
    /// Stores a leader's snapshot (and the rest of its batch) in the real storage's two steps, with a crash point before,
    /// between and (by the caller) after them. Returns false when the node crashed.
    /// </summary>
    private bool InstallOnDisk(SimNode node, Replica.Io.PersistRequest persist, Snapshot snapshot)
    {
        var old = DiskImage.Of(node.Disk.Load());
        var oldTermAtSnapshot = node.Disk.TermAt(snapshot.Metadata.Index);
        var crashAt = InstallCrashPoint();
        void Remember() => _installAtomicity.CrashedMidInstall(node.Id, old, snapshot.Metadata, persist.HardState, persist.Entries, oldTermAtSnapshot);
        if (crashAt == 0)
        {
            _installCrashesBeforeFile++;
            Remember();
            Crash(node, $"mid-install of snapshot {snapshot.Metadata.Index}: writing the snapshot file (not yet renamed)");
            return false;
        }
        switch (node.Disk.StoreSnapshotFile(node.Id, snapshot))
        {
            case > 0: _installsKeepingOldEntries++; break;
            case < 0: _installsDroppingOldEntries++; break;
        }
        if (crashAt == 1)
        {
            _installCrashesBeforeReset++;
            Remember();
            Crash(node, $"mid-install of snapshot {snapshot.Metadata.Index}: snapshot file in place, log not yet reset");
            return false;
        }
        node.Disk.Persist(node.Id, persist.HardState, persist.Entries, snapshot);
        return true;
    }

    /// <summary>What a (re)starting node recovers must be a log that ever existed: checked before the replica sees it.</summary>
    private void CheckRecovered(SimNode node, PersistentState state)
    {
        _installAtomicity.Restarted(node.Id, DiskImage.Of(state));
        // Log Matching across the snapshot boundary: the first entry after the snapshot must follow it as it followed it
        // in every log that held it (a new snapshot with old entries that do not continue it fails here).
        if (state.Entries.Count > 0) _logMatching.ObserveLog(node.Id, state.Snapshot?.Metadata.Term ?? 0, state.Entries);
    }

    // ------------------------------------------------------------------ scenarios

    private void StartSnapshotScenarios()
    {
        if (Snap.LaggingFollower)
            Schedule((long)(_s.ChaosDuration * (0.05 + 0.2 * _snapRng.NextDouble())), new SimEvent(SimEventKind.Action, Label: "lagging follower", Action: StartLagging));
    }

    /// <summary>
    /// Cuts one follower off from everyone for most of the chaos while the rest write and compact; then it comes back
    /// behind a partition that flaps (both ways or one way), so the snapshot it needs is cut and offered again.
    /// </summary>
    private void StartLagging()
    {
        if (_healed) return;
        var leader = CurrentLeader();
        var candidates = Snap.LaggingLeader && leader is not null ? [leader] : _nodes.Where(n => n.Id != leader?.Id).ToList();
        var node = candidates[_snapRng.Next(candidates.Count)];
        _laggingNode = node.Id;
        var others = _nodes.Where(n => n.Id != node.Id).Select(n => n.Id).ToList();
        List<(int From, int To)> links = [.. others.Select(o => (node.Id, o)), .. others.Select(o => (o, node.Id))];
        _partitions++;
        Block(links);
        var back = Math.Max(_now + 1, (long)(_s.ChaosDuration * (0.55 + 0.2 * _snapRng.NextDouble())));
        Trace($"node {node.Id} lags: cut off until {back}");
        Schedule(back - _now, new SimEvent(SimEventKind.Action, Label: $"node {node.Id} rejoins", Action: () =>
        {
            if (_healed) return;
            Unblock(links);
            // Flap the links to the lagging node: both ways, or only towards it, or only from it.
            var way = _snapRng.Next(3);
            List<(int From, int To)> flapping = way switch
            {
                0 => links,
                1 => [.. others.Select(o => (o, node.Id))],
                _ => [.. others.Select(o => (node.Id, o))],
            };
            Flap(flapping, until: _now + _snapRng.Next(4, 12) * _s.ElectionTimeout, period: _snapRng.Next(1, 5) * _s.TickInterval * _s.HeartbeatTicks,
                $"node {node.Id} rejoins behind a flapping partition");
        }));
    }

    /// <summary>
    /// At the heal: how long clients keep writing. At least <see cref="SnapshotScenario.WritesAfterHeal"/>, and long enough
    /// for a follower to wait out a stream under way and then receive a newer snapshot twice over (transfer time from
    /// the largest snapshot now held, grown by half for the writes to come, at the link's speed), plus elections.
    /// </summary>
    private long WritesEndAt()
    {
        if (Snap.WritesAfterHeal == 0) return _now;
        var transfer = TransferTime(LargestSnapshotHeld() * 3 / 2);
        return _now + Math.Max(Snap.WritesAfterHeal, 3 * transfer + 20 * _s.ElectionTimeout);
    }

    /// <summary>The least time a stream of <paramref name="bytes"/> takes on this run's links.</summary>
    private long TransferTime(long bytes) => (bytes / Snap.ChunkBytes + 1) * Snap.ChunkTime + _s.MaxMessageDelay;

    private long LargestSnapshotHeld() => _nodes.Select(n => n.Core?.LatestSnapshot is { } s ? StreamLength(s) : 0).DefaultIfEmpty(0).Max();

    /// <summary>
    /// Clients stopped: the cluster must converge in 40 election timeouts, plus the time a follower may need to wait out
    /// a stream under way and then receive the newest snapshot (two transfers of the largest snapshot now held). A slow
    /// link is not a livelock (seed 71029824: 12 KB at 19 bytes per 9 time units, 5,700 per transfer).
    /// </summary>
    private void AllowForSnapshotTransfers() =>
        _livenessDeadline = Math.Max(_livenessDeadline, _now + 40 * _s.ElectionTimeout + 60 * _s.TickInterval + 2 * TransferTime(LargestSnapshotHeld()));

    /// <summary>At the heal: what every member must apply while clients keep writing.</summary>
    private void ScheduleCatchUpCheck()
    {
        if (Snap.WritesAfterHeal == 0) return;
        _commitAtHeal = _nodes.Where(n => n.Core is not null).Select(n => n.Core!.CommitIndex).DefaultIfEmpty(0).Max();
        Schedule(_writesEndAt - _now, new SimEvent(SimEventKind.Action, Label: "catch-up check", Action: CheckCaughtUp));
    }

    /// <summary>
    /// Liveness while writes go on: every member has applied what was committed at the heal. A follower that needs a
    /// snapshot gets one although the leader keeps compacting (it must not livelock, restarting transfers of ever newer
    /// snapshots that never finish).
    /// </summary>
    private void CheckCaughtUp()
    {
        if (NewestLeader() is not { } leader) return; // no leader yet: the general liveness deadline judges that
        foreach (var id in leader.Config.Members)
        {
            var applied = _nodes[id].Replica?.StateMachine.AppliedIndex ?? 0;
            if (applied < _commitAtHeal)
                throw new InvariantViolationException("Liveness",
                    $"{_now - _healTime} time units after the heal, with clients writing all along, member {id} has applied only {applied} " +
                    $"of the {_commitAtHeal} entries committed at the heal (leader {leader.Id}: first index {leader.FirstIndex}, progress " +
                    $"{(leader.Progress.TryGetValue(id, out var pr) ? pr.ToString() : "none")}; stream {(_streams.TryGetValue((leader.Id, id), out var s) ? s : "none")})");
        }
        _caughtUpWhileWriting++;
    }
}
