namespace RaftKv.Client.Tests;

/// <summary>What one in-process raftctl run produced.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Err);
