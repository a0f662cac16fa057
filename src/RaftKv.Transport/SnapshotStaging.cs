namespace RaftKv.Transport;

/// <summary>Where a snapshot stream is written while it arrives (<see cref="SnapshotReceiver"/>), and the cleanup after a crash.</summary>
public static class SnapshotStaging
{
    /// <summary>Suffix of staging files.</summary>
    public const string Suffix = ".snapshot-partial";

    /// <summary>The configured staging directory, or one in the system's temporary directory.</summary>
    public static string Directory(TransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.SnapshotStagingDirectory ?? Path.Combine(Path.GetTempPath(), $"raftkv-snapshots-{options.NodeId}");
    }

    /// <summary>
    /// Removes staging files a crash left behind. Call at start, before any stream is accepted: a transfer that was cut
    /// off is never resumed, the leader sends the snapshot again from its first byte.
    /// </summary>
    public static void DeleteLeftovers(TransportOptions options)
    {
        var directory = Directory(options);
        if (!System.IO.Directory.Exists(directory)) return;
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, "*" + Suffix)) File.Delete(path);
    }
}
