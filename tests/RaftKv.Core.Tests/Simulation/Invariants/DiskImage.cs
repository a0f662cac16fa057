namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>
/// What a node's disk holds, in a comparable form: the snapshot's position, the hard state, and the (index, term) of
/// every entry after the snapshot.
/// </summary>
public sealed record DiskImage(long SnapshotIndex, long SnapshotTerm, HardState HardState, string Entries)
{
    public static DiskImage Of(PersistentState state) => new(
        state.Snapshot?.Metadata.Index ?? 0,
        state.Snapshot?.Metadata.Term ?? 0,
        state.HardState,
        Describe(state.Entries));

    public static string Describe(IEnumerable<Entry> entries) => string.Join(" ", entries.Select(e => $"{e.Index}:{e.Term}"));

    /// <summary>The (index, term) pairs of <see cref="Entries"/>.</summary>
    public IEnumerable<(long Index, long Term)> EntryPositions() =>
        Entries.Length == 0
            ? []
            : Entries.Split(' ').Select(p => p.Split(':')).Select(p => (long.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)));

    public override string ToString() => $"snapshot {SnapshotIndex}/{SnapshotTerm}, {HardState}, entries [{Entries}]";
}
