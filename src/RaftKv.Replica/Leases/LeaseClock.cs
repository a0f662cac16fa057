namespace RaftKv.Replica;

/// <summary>
/// The leader's countdown of every lease, in ticks. Only a leader runs it; expiry is never decided at
/// apply time: when a lease runs out the leader proposes a revoke, and every node deletes the keys
/// when that entry commits. A new leader does not know how long ago its predecessor last heard a
/// keepalive, so it gives every lease its full TTL again (as etcd does): a lease may outlive its TTL
/// by up to one TTL plus the failover, but never expires early. Pure and deterministic: driven by
/// <see cref="Tick"/>, no clock, no locks.
/// </summary>
public sealed class LeaseClock(int ticksPerSecond)
{
    private readonly Dictionary<long, long> _expiresAt = [];
    private readonly HashSet<long> _revoking = [];
    private long _now;

    public bool Running { get; private set; }

    /// <summary>This node became leader: every existing lease starts a full TTL from now.</summary>
    public void StartLeading(IEnumerable<(long Id, long TtlSeconds)> leases)
    {
        Running = true;
        _expiresAt.Clear();
        _revoking.Clear();
        foreach (var (id, ttl) in leases) _expiresAt[id] = _now + ttl * ticksPerSecond;
    }

    /// <summary>
    /// Brings the countdowns in line with the applied leases: a lease new to the clock (just granted)
    /// starts its full TTL now, a lease gone from the state (revoked) is forgotten.
    /// </summary>
    public void Sync(IEnumerable<(long Id, long TtlSeconds)> leases)
    {
        if (!Running) return;
        var present = new HashSet<long>();
        foreach (var (id, ttl) in leases)
        {
            present.Add(id);
            _expiresAt.TryAdd(id, _now + ttl * ticksPerSecond);
        }
        foreach (var id in _expiresAt.Keys.Where(id => !present.Contains(id)).ToList()) Revoked(id);
    }

    public int Count => _expiresAt.Count;

    /// <summary>This node stopped leading: it forgets every countdown (the next leader starts its own).</summary>
    public void StopLeading()
    {
        Running = false;
        _expiresAt.Clear();
        _revoking.Clear();
    }

    public void Tick() => _now++;

    /// <summary>A revoke was applied (by a client or by expiry).</summary>
    public void Revoked(long id)
    {
        _expiresAt.Remove(id);
        _revoking.Remove(id);
    }

    /// <summary>Restarts the countdown of <paramref name="id"/> at its full TTL; false when the lease is unknown or already expiring.</summary>
    public bool KeepAlive(long id, long ttlSeconds)
    {
        if (!Running || !_expiresAt.ContainsKey(id) || _revoking.Contains(id)) return false;
        _expiresAt[id] = _now + ttlSeconds * ticksPerSecond;
        return true;
    }

    /// <summary>Whole seconds left (rounded up), or null when this node does not count the lease.</summary>
    public long? Remaining(long id)
        => Running && _expiresAt.TryGetValue(id, out var at) ? Math.Max(0, (at - _now + ticksPerSecond - 1) / ticksPerSecond) : null;

    /// <summary>Leases whose time is up and whose revoke has not been proposed yet, in id order.</summary>
    public List<long> Expired()
    {
        var expired = new List<long>();
        if (!Running) return expired;
        foreach (var (id, at) in _expiresAt)
            if (at <= _now && !_revoking.Contains(id)) expired.Add(id);
        expired.Sort();
        return expired;
    }

    /// <summary>The revoke of <paramref name="id"/> was proposed: do not propose it again unless it is lost (<see cref="RevokeLost"/>).</summary>
    public void RevokeProposed(long id) => _revoking.Add(id);

    /// <summary>The proposed revoke did not make it (it was refused): propose it again next tick.</summary>
    public void RevokeLost(long id) => _revoking.Remove(id);
}
