namespace RaftKv.Linearizability;

/// <summary>One operation of a client history on one key.</summary>
/// <param name="Client">Who issued it; a client issues one operation at a time.</param>
/// <param name="Kind">Set, Get or Delete.</param>
/// <param name="Key">The key, compared ordinally.</param>
/// <param name="Value">
/// Canonical JSON text, compared ordinally. Set: the value written (never null). Get with outcome Ok: the value
/// read, or null when the key was not found. Delete: null.
/// </param>
/// <param name="Start">When the client sent it, in any monotonic unit shared by the whole history.</param>
/// <param name="End">When the client got the answer, in the same unit; ignored when the outcome is Unknown.</param>
/// <param name="Outcome">What the client learned.</param>
public sealed record Operation(int Client, OpKind Kind, string Key, string? Value, long Start, long End, OpOutcome Outcome)
{
    /// <summary>A one-line human description, as used in counterexamples.</summary>
    public override string ToString() => OperationText.Describe(this);
}
