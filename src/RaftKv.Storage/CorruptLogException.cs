namespace RaftKv.Storage;

/// <summary>
/// The data directory holds something recovery must not guess about: a bad checksum or garbage before the
/// tail, a missing segment, or records that contradict each other. The node must not start: silently
/// dropping a record that may be committed would break Raft's promises. The message names the file,
/// the byte offset and what was wrong there.
/// </summary>
public sealed class CorruptLogException : Exception
{
    public CorruptLogException(string file, long offset, string problem)
        : base($"corrupt data in {file} at byte offset {offset}: {problem}")
    {
        File = file;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>The full path of the damaged file.</summary>
    public string File { get; }

    /// <summary>The byte offset in <see cref="File"/> of the record (or header) that is wrong.</summary>
    public long Offset { get; }

    /// <summary>What is wrong there, without the file and offset.</summary>
    public string Problem { get; }
}
