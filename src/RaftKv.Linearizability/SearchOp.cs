namespace RaftKv.Linearizability;

/// <summary>An operation as the search sees it: its values interned, and an unknown end bounded or made infinite.</summary>
/// <param name="Source">The operation as recorded.</param>
/// <param name="Kind">Set, Get, Delete or Txn.</param>
/// <param name="Value">
/// Interned value (index into <see cref="KeyHistory.Values"/>; 0 is "absent"): what a Set writes or a Get read;
/// 0 for a Delete or a Txn. The search's ordering hint pairs reads with the writes of what they read.
/// </param>
/// <param name="Start">Call time.</param>
/// <param name="End">Return time: by then it must have been placed.</param>
/// <param name="Optional">It may be placed without effect: a write of unknown outcome that perhaps never happened.</param>
/// <param name="Observer">It never changes the state (a get, a failed condition, a transaction whose branch only reads).</param>
/// <param name="Revision">The revision it wrote at, when known (recorded, or inferred from what a read saw); 0 when unknown.</param>
internal readonly record struct SearchOp(Operation Source, OpKind Kind, int Value, long Start, long End, bool Optional, bool Observer, long Revision);
