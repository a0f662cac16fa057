namespace RaftKv.Testing.Linearizability;

/// <summary>An operation as the search sees it: its value interned, and an unknown end made infinite.</summary>
/// <param name="Source">The operation as recorded.</param>
/// <param name="Kind">Set, Get or Delete.</param>
/// <param name="Value">Interned value: 0 is "absent" (a Get that found nothing, a Delete), others index <see cref="KeyHistory.Values"/>.</param>
/// <param name="Start">Call time.</param>
/// <param name="End">Return time; <see cref="long.MaxValue"/> when the outcome is unknown.</param>
internal readonly record struct SearchOp(Operation Source, OpKind Kind, int Value, long Start, long End);
