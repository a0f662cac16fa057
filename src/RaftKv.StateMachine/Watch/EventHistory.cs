namespace RaftKv.StateMachine;

/// <summary>
/// The most recent applied changes, in revision order, for watches to start or resume from. Bounded both in
/// events and in bytes: the oldest events are dropped first, and <see cref="EarliestRevision"/> moves past them,
/// so a watch asking for a dropped revision is told "compacted" instead of silently missing events.
/// </summary>
/// <remarks>
/// The history is not part of the snapshot: it is rebuilt from the log this node applies. After a restart it
/// holds the events of the log entries after the snapshot; after installing a snapshot it is empty and
/// starts at the snapshot's index + 1. Each node answers from its own history.
/// </remarks>
public sealed class EventHistory
{
    /// <summary>The ring's first size: it doubles as events arrive, up to the event bound.</summary>
    private const int InitialCapacity = 64;

    private readonly int _maxEvents;
    private readonly long _maxBytes;
    private KvEvent[] _ring;
    private int _start;
    private int _count;
    private long _bytes;

    public EventHistory(int maxEvents, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEvents, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _maxEvents = maxEvents;
        _maxBytes = maxBytes;
        // Grown on demand: a node that never sees many changes (and every replica the simulator boots and reboots)
        // does not pay for the whole bound up front.
        _ring = new KvEvent[Math.Min(maxEvents, InitialCapacity)];
    }

    /// <summary>Every event of this revision and later is still held (up to the applied index).</summary>
    public long EarliestRevision { get; private set; } = 1;

    public int Count => _count;

    internal void Add(KvEvent e)
    {
        if (_count == _ring.Length && _ring.Length < _maxEvents) Grow();
        while (_count > 0 && (_count == _ring.Length || _bytes + e.Size > _maxBytes)) DropOldest();
        _ring[(_start + _count) % _ring.Length] = e;
        _count++;
        _bytes += e.Size;
    }

    /// <summary>Forgets everything: the history starts again at <paramref name="nextRevision"/> (after a snapshot was installed).</summary>
    internal void Reset(long nextRevision)
    {
        _ring = new KvEvent[Math.Min(_maxEvents, InitialCapacity)];
        _start = 0;
        _count = 0;
        _bytes = 0;
        EarliestRevision = nextRevision;
    }

    /// <summary>
    /// Copies to <paramref name="into"/> the events with revision &gt;= <paramref name="fromRevision"/> that
    /// <paramref name="match"/> accepts, at most <paramref name="max"/>, and returns the revision to continue from
    /// (the revision after the last event looked at when more remain, else <paramref name="upTo"/> + 1).
    /// The caller checks <paramref name="fromRevision"/> against <see cref="EarliestRevision"/> first.
    /// </summary>
    public long Read(long fromRevision, long upTo, Func<KvEvent, bool> match, List<KvEvent> into, int max)
    {
        var i = FirstAtOrAfter(fromRevision);
        for (; i < _count; i++)
        {
            var e = _ring[(_start + i) % _ring.Length];
            if (e.ModRevision > upTo) break;
            if (!match(e)) continue;
            if (into.Count >= max && into[0].ModRevision != e.ModRevision)
            {
                // Stop at a revision boundary so that a resumed read neither repeats nor skips part of a transaction
                // (the events of one revision always travel together, even past max).
                while (into.Count > 0 && into[^1].ModRevision == e.ModRevision) into.RemoveAt(into.Count - 1);
                return e.ModRevision;
            }
            into.Add(e);
        }
        return upTo + 1;
    }

    private int FirstAtOrAfter(long revision)
    {
        int lo = 0, hi = _count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_ring[(_start + mid) % _ring.Length].ModRevision < revision) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>Doubles the ring (at most to the event bound), keeping the events in order from index 0.</summary>
    private void Grow()
    {
        var bigger = new KvEvent[(int)Math.Min(_maxEvents, 2L * _ring.Length)];
        for (var i = 0; i < _count; i++) bigger[i] = _ring[(_start + i) % _ring.Length];
        _ring = bigger;
        _start = 0;
    }

    private void DropOldest()
    {
        var e = _ring[_start];
        _ring[_start] = null!;
        _start = (_start + 1) % _ring.Length;
        _count--;
        _bytes -= e.Size;
        EarliestRevision = Math.Max(EarliestRevision, e.ModRevision + 1);
    }
}
