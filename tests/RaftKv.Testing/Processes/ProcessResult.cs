namespace RaftKv.Testing.Processes;

/// <summary>How a finished one-shot process (raftctl, a raftnode usage check) ended.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Everything, for failure messages.</summary>
    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}
