namespace RaftKv.Linearizability.Tests.Support;

/// <summary>A fault planted in <see cref="CounterSimulation"/>'s store.</summary>
internal enum CounterBug
{
    None,

    /// <summary>Once, a guarded set whose guard does not hold is applied anyway and acknowledged: a lost update.</summary>
    LostUpdate,

    /// <summary>Once, an acknowledged increment is applied a second time a little later (a retry applied twice).</summary>
    AppliedTwice,
}
