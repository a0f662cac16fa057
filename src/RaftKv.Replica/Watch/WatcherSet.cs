using RaftKv.Protocol;
using RaftKv.StateMachine;

namespace RaftKv.Replica;

/// <summary>
/// The event loop's watches. After each applied batch <see cref="Pump"/> moves every new matching event from
/// the state machine's history to each watcher; a new watcher is first caught up from the history the same
/// way, so catching up and following live are one path and a resumed watch neither repeats nor skips.
/// </summary>
public sealed class WatcherSet
{
    private readonly List<Watcher> _watchers = [];
    private readonly List<KvEvent> _scratch = [];

    public int Count => _watchers.Count;

    /// <summary>Starts <paramref name="watcher"/> at its fromRevision (default: changes after now), or ends it with Compacted.</summary>
    public void Add(Watcher watcher, KvStateMachine kv, ClientResponse header)
    {
        var from = watcher.Request.FromRevision ?? kv.Revision + 1;
        if (from < kv.History.EarliestRevision)
        {
            watcher.End(header with
            {
                Status = ClientStatus.Compacted,
                CompactRevision = kv.History.EarliestRevision,
                Revision = kv.Revision,
                Error = $"compacted; earliest available revision is {kv.History.EarliestRevision}",
            });
            return;
        }
        watcher.Next = from;
        // The first answer says the watch is in place and the revision this node stands at.
        if (!watcher.Offer([], Math.Min(from - 1, kv.Revision), header)) return;
        _watchers.Add(watcher);
        Pump(watcher, kv, header);
    }

    /// <summary>Delivers what was applied since the last pass; drops closed and cut-off watchers.</summary>
    public void Pump(KvStateMachine kv, ClientResponse header)
    {
        if (_watchers.Count == 0) return;
        for (var i = _watchers.Count - 1; i >= 0; i--)
        {
            var w = _watchers[i];
            if (w.Closed || !Pump(w, kv, header)) _watchers.RemoveAt(i);
        }
    }

    /// <summary>Ends every watch (the node is stopping or lost its state); clients resume elsewhere.</summary>
    public void CancelAll(string reason, ClientResponse header)
    {
        foreach (var w in _watchers)
            w.End(header with { Status = ClientStatus.WatchCanceled, Revision = w.Next - 1, Error = $"watch canceled: {reason}; resume from revision {w.Next}" });
        _watchers.Clear();
    }

    private bool Pump(Watcher w, KvStateMachine kv, ClientResponse header)
    {
        // A watch from the future waits until this node gets there.
        while (w.Next <= kv.Revision)
        {
            if (w.Next < kv.History.EarliestRevision)
            {
                // Only possible when a snapshot replaced this node's state under the watch.
                w.End(header with
                {
                    Status = ClientStatus.WatchCanceled,
                    Revision = w.Next - 1,
                    Error = $"watch canceled: this node installed a snapshot past revision {w.Next}; resume from revision {w.Next} on another node",
                });
                return false;
            }
            _scratch.Clear();
            var next = kv.History.Read(w.Next, kv.Revision, w.Matches, _scratch, Watcher.BatchEvents);
            if (_scratch.Count > 0 && !w.Offer(_scratch, next - 1, header)) return false;
            w.Next = next;
        }
        return true;
    }
}
