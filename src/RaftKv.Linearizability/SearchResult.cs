namespace RaftKv.Linearizability;

/// <summary>What the search of one key found.</summary>
/// <param name="Verdict">How it ended.</param>
/// <param name="LongestPrefix">The longest sequence of operations (indices into <see cref="KeyHistory.Ops"/>) placed in a legal order.</param>
/// <param name="SkippedInPrefix">For each operation of the prefix, whether it was placed without effect.</param>
/// <param name="StateAfterPrefix">The interned register value after that prefix.</param>
/// <param name="FirstUnplaced">
/// When not linearizable: the operation, not in the prefix, that ends first; it had to be placed next and could
/// not be. Otherwise -1.
/// </param>
internal sealed record SearchResult(SearchVerdict Verdict, int[] LongestPrefix, bool[] SkippedInPrefix, int StateAfterPrefix, int FirstUnplaced);
