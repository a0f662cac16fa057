namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>
/// Exactly-once, as docs/PROTOCOL.md promises it: a write retried with the same session and seq takes effect at most
/// once, however late the retry and however many sessions came between, and a write of an expired session is never
/// applied. The checker follows the committed log (fed in index order, once per index) and says, for every index,
/// what the written key must hold afterwards: unchanged for a retry of a write that already took effect (same
/// session, seq not above the session's last), else the written value if the first replica to apply it took it
/// (a write of an expired session is refused, and the others must refuse it too). Comparing each replica's real
/// state machine with it after every applied entry catches a write applied twice the moment it happens. Written
/// values are unique, so a value that takes effect under a second (session, seq) is a write applied twice too.
/// </summary>
public sealed class ExactlyOnceChecker
{
    private readonly Dictionary<long, long> _lastSeq = [];
    private readonly Dictionary<string, long> _state = new(StringComparer.Ordinal);
    private readonly Dictionary<long, (string Key, long Value)> _after = [];
    private readonly Dictionary<long, long> _effectiveAt = [];
    private readonly List<long> _effectiveInOrder = [];

    /// <summary>The last index fed in.</summary>
    public long LastIndex { get; private set; }

    /// <summary>Writes that took effect, in log order.</summary>
    public IReadOnlyList<long> EffectiveWrites => _effectiveInOrder;

    /// <summary>
    /// Feeds the committed entry at <paramref name="index"/>: a set of <paramref name="value"/> to <paramref name="key"/>
    /// in <paramref name="session"/> with <paramref name="seq"/>, which the first replica to apply it did or did not
    /// take (<paramref name="taken"/>); or nothing (no key: a no-op, a registration, a membership change).
    /// </summary>
    public void Committed(long index, string? key = null, long value = 0, long session = 0, long seq = 0, bool taken = false)
    {
        if (index != LastIndex + 1)
            throw new InvariantViolationException("Exactly once", $"the committed log was seen with a gap: index {index} after {LastIndex}");
        LastIndex = index;
        if (key is null) return;
        var retry = session != 0 && seq <= _lastSeq.GetValueOrDefault(session);
        if (!retry && _effectiveAt.TryGetValue(value, out var earlier))
            throw new InvariantViolationException("Exactly once",
                $"write {Ids.Format(value)} took effect at index {earlier} and was written again at index {index} (session {session} seq {seq})");
        if (!retry && taken)
        {
            if (session != 0) _lastSeq[session] = seq;
            _effectiveAt[value] = index;
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
