namespace RaftKv.Linearizability;

/// <summary>How the search of one key ended.</summary>
internal enum SearchVerdict
{
    Linearizable,
    NotLinearizable,

    /// <summary>Stopped before an answer: out of time, or another key already failed.</summary>
    Abandoned,
}
