namespace RaftKv.StateMachine;

/// <summary>A client session as it was when a <see cref="KvSnapshotView"/> was captured (sessions themselves change in place).</summary>
internal readonly record struct SessionImage(long Id, long Seq, long LastIndex, bool Found, byte[]? Value)
{
    public static SessionImage Of(ClientSession session) => new(session.Id, session.Seq, session.LastIndex, session.Found, session.Value);
}
