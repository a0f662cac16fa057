namespace RaftKv.Linearizability;

/// <summary>One key in a <see cref="StoreModel"/> state.</summary>
/// <param name="Value">Interned value; 0 is absent.</param>
/// <param name="Version">Writes since it was created (0 when absent), kept only when some operation looks at versions.</param>
/// <param name="Writer">The operation whose write left it (its mod revision), kept only when some operation looks at mod revisions; -1 when absent.</param>
internal readonly record struct KeyState(int Value, long Version, int Writer)
{
    public static KeyState Absent => new(0, 0, -1);
}
