namespace RaftKv.Linearizability;

/// <summary>One comparison of a transaction: the key's <see cref="Target"/> compared with <see cref="Number"/> or <see cref="Value"/>.</summary>
/// <param name="Key">The key compared.</param>
/// <param name="Target">Value, Version or ModRevision.</param>
/// <param name="Op">=, !=, &lt; or &gt; (&lt; and &gt; only on versions).</param>
/// <param name="Number">The number compared with (Version, ModRevision).</param>
/// <param name="Value">The canonical JSON text compared with (Value).</param>
public sealed record TxnCompare(string Key, CompareTarget Target, CompareOp Op, long Number = 0, string? Value = null);
