namespace RaftKv.Linearizability;

/// <summary>An operation as the search sees it: its value interned, and an unknown end made infinite.</summary>
/// <param name="Source">The operation as recorded.</param>
/// <param name="Kind">Set, Get or Delete.</param>
/// <param name="Value">Interned value: 0 is "absent" (a Get that found nothing, a Delete), others index <see cref="KeyHistory.Values"/>.</param>
/// <param name="Start">Call time.</param>
/// <param name="End">Return time: by then it must have been placed.</param>
/// <param name="Optional">It may be placed without effect: a write of unknown outcome that perhaps never happened.</param>
internal readonly record struct SearchOp(Operation Source, OpKind Kind, int Value, long Start, long End, bool Optional);
