namespace RaftKv.Storage;

/// <summary>
/// The data directory belongs to another node or another cluster (or has log data but no metadata saying
/// whose it is). Starting on it would make this node present someone else's votes and log as its own.
/// </summary>
public sealed class DataDirectoryMismatchException : Exception
{
    public DataDirectoryMismatchException(string directory, string message)
        : base(message)
    {
        Directory = directory;
    }

    /// <summary>The data directory that was refused.</summary>
    public string Directory { get; }
}
