namespace RaftKv.Storage;

/// <summary>What <see cref="RaftStorage.Open"/> found and did, for the node to log at start-up.</summary>
public sealed record RecoveryReport
{
    public required string Directory { get; init; }

    /// <summary>True when the directory had no metadata yet and was set up for this node.</summary>
    public bool NewDirectory { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>Index and term of the snapshot recovery started from, or null when it started from an empty log.</summary>
    public (long Index, long Term)? Snapshot { get; init; }

    public int SegmentsReplayed { get; init; }

    public long RecordsReplayed { get; init; }

    /// <summary>Log entries after the snapshot, as <see cref="RaftStorage.Load"/> returns them.</summary>
    public int EntriesRecovered { get; init; }

    /// <summary>The interrupted write that was cut off the end of the log, or null when the log ended cleanly.</summary>
    public TornTail? TornTail { get; init; }

    /// <summary>
    /// Everything else worth a log line: a damaged snapshot skipped for an older one, leftover temporary files
    /// removed, segments no longer needed removed, entries discarded because they conflict with a snapshot.
    /// </summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>True when recovery found nothing to repair or remark on.</summary>
    public bool IsClean => TornTail is null && Notes.Count == 0;

    public override string ToString()
    {
        var snapshot = Snapshot is { } s ? $"snapshot at index {s.Index} term {s.Term}" : "no snapshot";
        var summary = $"recovered {Directory} in {Duration.TotalMilliseconds:F1} ms: {snapshot}, " +
                      $"{SegmentsReplayed} segments, {RecordsReplayed} records, {EntriesRecovered} entries";
        var details = new List<string>();
        if (NewDirectory)
        {
            details.Add("new data directory");
        }
        if (TornTail is not null)
        {
            details.Add(TornTail.ToString());
        }
        details.AddRange(Notes);
        return details.Count == 0 ? summary : summary + "; " + string.Join("; ", details);
    }
}
