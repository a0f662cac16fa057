using System.Runtime.InteropServices;

namespace RaftKv.Testing.Processes;

/// <summary>
/// POSIX signals sent straight to a process id. <see cref="System.Diagnostics.Process"/> can only
/// SIGKILL, and the tests also need Ctrl+C (SIGINT), SIGTERM and SIGSTOP/SIGCONT.
/// </summary>
public static class Signals
{
    // Linux numbers (x64 and arm64 agree on these).
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when the process no longer exists.</summary>
    public static bool Send(int pid, int signal)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("process tests send POSIX signals and run on Linux only");
        if (Kill(pid, signal) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        const int NoSuchProcess = 3; // ESRCH
        if (errno == NoSuchProcess) return false;
        throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {errno}");
    }

    // DllImport rather than LibraryImport: the latter needs AllowUnsafeBlocks for the shared test library,
    // and kill(2) takes and returns plain ints, which need no marshalling code.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int sig);
}
