namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>
/// Linearizability of a key-value history of set and get operations with unique written values.
/// Linearizability is local (Herlihy &amp; Wing §3.3), so each key is checked as its own register.
///
/// Raft fixes the order of writes: the order of their entries in the committed log. Given that order,
/// a history is linearizable exactly when each operation can be given a point inside its
/// [invocation, response] interval such that the points follow the log order of writes, and each read
/// falls after the write it saw and before the next write to its key. Placing every point as early as
/// it may go is optimal for such a chain, so one greedy pass decides it (sound and complete for the
/// given write order). The log order must itself respect real time (a write invoked after another was
/// acknowledged gets a higher index), which the greedy pass also checks.
/// </summary>
public static class LinearizabilityChecker
{
    /// <summary>A linearization point: step <see cref="Time"/>, then <see cref="Offset"/> infinitesimal steps after it.</summary>
    private readonly record struct Point(long Time, long Offset) : IComparable<Point>
    {
        public int CompareTo(Point other) => Time != other.Time ? Time.CompareTo(other.Time) : Offset.CompareTo(other.Offset);

        /// <summary>The earliest point after this one that is also no earlier than <paramref name="invoke"/>.</summary>
        public Point NextAtOrAfter(long invoke) => Time >= invoke ? new Point(Time, Offset + 1) : new Point(invoke, 0);

        public bool NotAfter(long response) => Time < response || (Time == response && Offset == 0);
    }

    /// <summary>
    /// Checks <paramref name="reads"/> against the committed writes, given in log order. Writes never
    /// committed are absent from <paramref name="committedWrites"/>; a read that saw one of them is a
    /// violation. Throws <see cref="InvariantViolationException"/> on the first violation.
    /// </summary>
    public static void Check(IReadOnlyList<WriteOp> committedWrites, IReadOnlyList<ReadOp> reads)
    {
        var writesByKey = committedWrites.GroupBy(w => w.Key).ToDictionary(g => g.Key, g => g.ToList());
        var committedIds = committedWrites.ToDictionary(w => w.Id);
        foreach (var r in reads)
        {
            if (r.Observed == 0) continue;
            if (!committedIds.TryGetValue(r.Observed, out var w))
                throw new InvariantViolationException("Linearizability",
                    $"read of '{r.Key}' [{r.Invoke}, {r.Response}] returned write {Ids.Format(r.Observed)}, which never committed");
            if (w.Key != r.Key)
                throw new InvariantViolationException("Linearizability",
                    $"read of '{r.Key}' returned write {Ids.Format(r.Observed)}, which wrote key '{w.Key}'");
        }
        foreach (var (key, keyReads) in reads.GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.ToList()))
            CheckRegister(key, writesByKey.GetValueOrDefault(key) ?? [], keyReads);
        foreach (var (key, writes) in writesByKey)
            if (!reads.Any(r => r.Key == key)) CheckRegister(key, writes, []);
    }

    private static void CheckRegister(string key, List<WriteOp> writes, List<ReadOp> reads)
    {
        var readsOf = reads.GroupBy(r => r.Observed).ToDictionary(g => g.Key, g => g.ToList());
        var t = new Point(long.MinValue, 0);
        var cause = "nothing";
        (t, cause) = PlaceReads(key, t, cause, readsOf.GetValueOrDefault(0), "the initial value");
        foreach (var w in writes)
        {
            var p = t.NextAtOrAfter(w.Invoke);
            if (w.Response is { } response && !p.NotAfter(response))
            {
                throw new InvariantViolationException("Linearizability",
                    $"write {Ids.Format(w.Id)} to '{key}' [{w.Invoke}, {response}] was acknowledged before {cause} began, " +
                    "yet that operation must precede it in log order (a stale read, or a log that contradicts real time)");
            }
            // What pins this write's point: its own invocation, or whatever pinned the point before it.
            if (w.Invoke > t.Time) cause = $"write {Ids.Format(w.Id)} [{w.Invoke}, {Format(w.Response)}]";
            (t, cause) = PlaceReads(key, p, cause, readsOf.GetValueOrDefault(w.Id), $"write {Ids.Format(w.Id)}");
        }
    }

    /// <summary>
    /// Places the reads that saw one value right after that value's write (reads of one value commute, so
    /// each goes as early as it may). Returns the latest point used and the operation that set it.
    /// </summary>
    private static (Point Latest, string Cause) PlaceReads(string key, Point afterWrite, string writeCause, List<ReadOp>? reads, string what)
    {
        var latest = afterWrite;
        var cause = writeCause;
        if (reads is null) return (latest, cause);
        foreach (var r in reads)
        {
            var p = afterWrite.NextAtOrAfter(r.Invoke);
            if (!p.NotAfter(r.Response))
            {
                throw new InvariantViolationException("Linearizability",
                    $"read of '{key}' [{r.Invoke}, {r.Response}] returned {what}, which cannot take effect before the read's response " +
                    $"(after {writeCause} in log order)");
            }
            if (p.CompareTo(latest) > 0)
            {
                latest = p;
                cause = r.Invoke > afterWrite.Time ? $"read of '{key}' [{r.Invoke}, {r.Response}] that returned {what}" : writeCause;
            }
        }
        return (latest, cause);
    }

    private static string Format(long? response) => response?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "never acknowledged";
}
