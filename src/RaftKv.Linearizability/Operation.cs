using System.Text.Json.Serialization;

namespace RaftKv.Linearizability;

/// <summary>One operation of a client history: on one key, or a transaction on several.</summary>
/// <param name="Client">Who issued it; a client issues one operation at a time.</param>
/// <param name="Kind">Set, Get, Delete or Txn.</param>
/// <param name="Key">The key, compared ordinally; for a Txn, ignored (its keys are in <see cref="Txn"/>) and recorded as "".</param>
/// <param name="Value">
/// Canonical JSON text, compared ordinally. Set: the value written (never null). Get with outcome Ok: the value
/// read, or null when the key was not found. Delete and Txn: null.
/// </param>
/// <param name="Start">When the client sent it, in any monotonic unit shared by the whole history.</param>
/// <param name="End">When the client got the answer, in the same unit; ignored when the outcome is Unknown.</param>
/// <param name="Outcome">What the client learned.</param>
public sealed record Operation(int Client, OpKind Kind, string Key, string? Value, long Start, long End, OpOutcome Outcome)
{
    /// <summary>Set and Delete: the condition of a compare-and-set; null for an unconditional write.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guard? Guard { get; init; }

    /// <summary>
    /// Ok Set, Delete or Txn: the revision the write was given (from the answer), which is how an
    /// <see cref="Guard.IfModRevision"/> or an observed mod revision names it; null when not recorded.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Revision { get; init; }

    /// <summary>
    /// Get that is Ok: the version and mod revision read with the value (its <see cref="KeyRead.Value"/> equals
    /// <see cref="Value"/>). ConditionFailed: the key as the answer showed it. Null when not recorded.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public KeyRead? Seen { get; init; }

    /// <summary>Txn: the transaction sent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TxnRequest? Txn { get; init; }

    /// <summary>Txn that is Ok: whether the comparisons held (the success branch ran).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Succeeded { get; init; }

    /// <summary>
    /// Txn that is Ok: what each Get step of the branch that ran read, in order; null when not known (an answer
    /// replayed from the session says only which branch ran), and then not checked.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<KeyRead>? Reads { get; init; }

    /// <summary>A one-line human description, as used in counterexamples.</summary>
    public override string ToString() => OperationText.Describe(this);
}
