using System.Collections.Concurrent;
using System.Diagnostics;

namespace RaftKv.Testing.Processes;

/// <summary>
/// Every child process the harness started and has not yet seen exit. When the test process exits
/// (normally, or through an unhandled exception) they are all killed, so no raftnode outlives a test run
/// even when a test forgot to dispose its cluster.
/// </summary>
public static class ProcessRegistry
{
    private static readonly ConcurrentDictionary<Process, byte> Live = new();

    static ProcessRegistry()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
    }

    /// <summary>Tracks <paramref name="process"/> until the returned handle is disposed.</summary>
    public static IDisposable Register(Process process)
    {
        Live.TryAdd(process, 0);
        return new Registration(process);
    }

    private static void KillAll()
    {
        foreach (var process in Live.Keys)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
            {
                // Already gone.
            }
        }
    }

    private sealed class Registration(Process process) : IDisposable
    {
        public void Dispose() => Live.TryRemove(process, out _);
    }
}
