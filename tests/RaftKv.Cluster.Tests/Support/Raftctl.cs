using RaftKv.Testing.Processes;

namespace RaftKv.Cluster.Tests.Support;

/// <summary>Runs the real raftctl program (a separate process) against a cluster's servers file.</summary>
public static class Raftctl
{
    /// <summary>Only a bound on a hung process: raftctl's own --timeout decides when it gives up.</summary>
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);

    public static Task<ProcessResult> RunAsync(LocalCluster cluster, CancellationToken cancellationToken, params string[] arguments) =>
        RunAsync(cluster.ServersFile, cancellationToken, arguments);

    public static Task<ProcessResult> RunAsync(string serversFile, CancellationToken cancellationToken, params string[] arguments) =>
        Binaries.RunRaftctlAsync(["--servers", serversFile, .. arguments], ProcessTimeout, cancellationToken);
}
