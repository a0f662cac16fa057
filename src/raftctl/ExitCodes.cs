namespace RaftKv.Ctl;

/// <summary>raftctl's exit codes; scripts rely on them, so they never change meaning.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>get or delete of a key that does not exist.</summary>
    public const int NotFound = 1;

    /// <summary>Bad usage or input (unknown command, empty key, bad servers file, value over 1 MiB): nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>No leader or quorum answered within the timeout (or, for status, no node at all).</summary>
    public const int Unavailable = 3;

    /// <summary>A guarded set/delete whose condition did not hold, or a txn that ran its failure branch: nothing of the success branch was applied.</summary>
    public const int ConditionFailed = 4;

    /// <summary>watch --from-revision older than every node's history: those events are gone (the message names the earliest revision left).</summary>
    public const int Compacted = 5;

    /// <summary><c>raftctl check</c> found a history that is not linearizable (the counterexample is printed).</summary>
    public const int NotLinearizable = 6;

    /// <summary>Interrupted (Ctrl+C), as shells report SIGINT.</summary>
    public const int Interrupted = 130;
}
