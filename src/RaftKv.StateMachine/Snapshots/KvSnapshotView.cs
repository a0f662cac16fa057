namespace RaftKv.StateMachine;

/// <summary>
/// The state machine frozen at one applied index (issue 9: snapshots off the loop). <see cref="KvStateMachine.Capture"/>
/// takes it on the loop at the cost of copying references, not bytes: every key's record (immutable, so the loop's later
/// writes replace records instead of changing them), each lease's id and TTL, and a copy of the client sessions (at most
/// <see cref="KvStateMachine.MaxSessions"/>). <see cref="WriteTo"/> then streams the snapshot bytes from it on any
/// thread, while the loop keeps applying: the bytes are exactly those <see cref="KvStateMachine.TakeSnapshot"/> would
/// have given at the moment of the capture.
/// </summary>
public sealed class KvSnapshotView
{
    /// <param name="entries">Every key and its record, in any order: the loop copies them as they lie in the hash table
    /// (a few milliseconds per million keys); <see cref="Entries"/> sorts them on the writer's thread.</param>
    internal KvSnapshotView(long appliedIndex, KeyValuePair<string, KeyRecord>[] entries, (long Id, long TtlSeconds)[] leases, SessionImage[] sessions)
    {
        AppliedIndex = appliedIndex;
        _captured = entries;
        Leases = leases;
        Sessions = sessions;
    }

    private readonly KeyValuePair<string, KeyRecord>[] _captured;
    private KeyValuePair<string, KeyRecord>[]? _ordered;

    /// <summary>The index of the last entry the view includes.</summary>
    public long AppliedIndex { get; }

    /// <summary>The number of keys in the view.</summary>
    public int Count => _captured.Length;

    /// <summary>
    /// The keys in ordinal order, as the snapshot holds them (so that two nodes write the same bytes). Sorted on first
    /// use, by whichever thread writes the view, never by the loop that captured it; two threads asking at once each
    /// sort a copy and one copy is kept (no lock).
    /// </summary>
    internal KeyValuePair<string, KeyRecord>[] Entries
    {
        get
        {
            if (_ordered is null)
            {
                var sorted = (KeyValuePair<string, KeyRecord>[])_captured.Clone();
                Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
                Interlocked.CompareExchange(ref _ordered, sorted, null);
            }
            return _ordered;
        }
    }
    internal (long Id, long TtlSeconds)[] Leases { get; }

    /// <summary>Oldest first, as the session table expires them.</summary>
    internal SessionImage[] Sessions { get; }

    /// <summary>
    /// Streams the snapshot bytes (<see cref="SnapshotLayout"/>) to <paramref name="output"/> through a buffer of 64 KiB,
    /// whatever the size of the state. Safe on any thread: the view never changes.
    /// </summary>
    public void WriteTo(Stream output) => SnapshotWriter.Write(this, output);

    /// <summary>The snapshot bytes in one array: for tests and small states (a state past 2 GiB throws; use <see cref="WriteTo"/>).</summary>
    public byte[] Serialize()
    {
        using var memory = new MemoryStream();
        WriteTo(memory);
        return memory.ToArray();
    }
}
