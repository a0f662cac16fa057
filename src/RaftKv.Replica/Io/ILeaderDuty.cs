namespace RaftKv.Replica.Io;

/// <summary>
/// Periodic work only the leader does through the log (lease expiry, session expiry by leader-proposed time...):
/// called once per tick while this replica leads; every command returned is proposed as an ordinary entry, so all
/// replicas apply it at the same index. Must be deterministic (no clocks: <paramref name="tick"/> is the time).
/// </summary>
public interface ILeaderDuty
{
    IEnumerable<byte[]> Due(long tick, RaftKv.StateMachine.KvStateMachine state);
}
