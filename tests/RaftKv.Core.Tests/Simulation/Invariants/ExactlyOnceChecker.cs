namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>
/// Exactly-once, as docs/PROTOCOL.md promises it: a write retried with the same client id and seq takes effect at
/// most once, however late the retry and however many sessions came between. The checker replays the committed
/// log (fed in index order, once per index) against that rule — a session is never forgotten — and says, for every
/// index, what the written key must hold afterwards. Comparing each replica's real state machine with it after
/// every applied entry catches a write applied twice (a forgotten session, a duplicate applied) the moment it
/// happens. Written values are unique, so a value taking effect at two indexes is a write applied twice too.
/// </summary>
public sealed class ExactlyOnceChecker
{
    private readonly Dictionary<string, long> _lastSeq = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _state = new(StringComparer.Ordinal);
    private readonly Dictionary<long, (string Key, long Value)> _after = [];
    private readonly Dictionary<long, long> _effectiveAt = [];
    private readonly List<long> _effectiveInOrder = [];

    /// <summary>The last index fed in.</summary>
    public long LastIndex { get; private set; }

    /// <summary>Writes that took effect, in log order.</summary>
    public IReadOnlyList<long> EffectiveWrites => _effectiveInOrder;

    /// <summary>Feeds the committed entry at <paramref name="index"/>: a set of <paramref name="value"/> to <paramref name="key"/> by (client, seq), or nothing (a no-op, a membership change).</summary>
    public void Committed(long index, string? key = null, long value = 0, string? clientId = null, long seq = 0)
    {
        if (index != LastIndex + 1)
            throw new InvariantViolationException("Exactly once", $"the committed log was seen with a gap: index {index} after {LastIndex}");
        LastIndex = index;
        if (key is null) return;
        var effective = clientId is null || seq > _lastSeq.GetValueOrDefault(clientId);
        if (effective)
        {
            if (clientId is not null) _lastSeq[clientId] = seq;
            if (!_effectiveAt.TryAdd(value, index))
                throw new InvariantViolationException("Exactly once",
                    $"write {Ids.Format(value)} took effect at index {_effectiveAt[value]} and again at index {index} (as {clientId} seq {seq})");
            _effectiveInOrder.Add(value);
            _state[key] = value;
        }
        _after[index] = (key, _state.GetValueOrDefault(key));
    }

    /// <summary>What the key written at <paramref name="index"/> must hold once that entry is applied; null when the entry writes nothing.</summary>
    public (string Key, long Value)? ExpectedAfter(long index) => _after.TryGetValue(index, out var a) ? a : null;

    public bool TookEffect(long value) => _effectiveAt.ContainsKey(value);

    /// <summary>The value of <paramref name="key"/> after every committed entry fed so far (0: never written).</summary>
    public long ValueOf(string key) => _state.GetValueOrDefault(key);
}
