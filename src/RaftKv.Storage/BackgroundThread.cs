using System.Runtime.InteropServices;
using RaftKv.Storage.IO;

namespace RaftKv.Storage;

/// <summary>
/// Runs long, bulk work (writing a snapshot file of a large state) on a thread of its own at a lower CPU priority,
/// so that the event loops, the storage writer and the transport of every node on the machine go first whenever the
/// CPU is contended: on a 2-core machine three nodes writing a 1 GiB snapshot each compete with the write path for
/// the same cores (issue 9's write p99 across a snapshot). With the CPU idle the work runs at full speed all the same.
/// The thread ends with the work, so the lowered priority never reaches a pooled thread.
/// </summary>
public static class BackgroundThread
{
    /// <summary>
    /// The nice value of the thread (a process may always lower its own threads'): about a third of a normal thread's
    /// share of a contended core. Not the lowest (19): at that weight a small snapshot waited out a busy machine for
    /// over a second, and on a machine that stays busy the log would grow without bound while the snapshot starves.
    /// </summary>
    public const int Nice = 5;

    /// <summary>Starts <paramref name="work"/> on a new low-priority thread named <paramref name="name"/>; the task ends with it.</summary>
    public static Task<T> Run<T>(string name, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            LowerOwnPriority();
            try
            {
                done.SetResult(work());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>Whether the calling thread runs at <see cref="Nice"/> (false where the platform has no per-thread nice value).</summary>
    public static bool CurrentThreadIsLowered()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        Marshal.SetLastPInvokeError(0);
        return LibC.GetPriority(LibC.PrioProcess, LibC.GetTid()) == Nice;
    }

    private static void LowerOwnPriority()
    {
        // On Linux a nice value belongs to a thread (setpriority with a thread id); .NET's Thread.Priority does nothing
        // there. Elsewhere the work runs at normal priority: slower to yield, never wrong.
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            _ = LibC.SetPriority(LibC.PrioProcess, LibC.GetTid(), Nice);
        }
        catch (EntryPointNotFoundException)
        {
            // a C library without gettid (glibc before 2.30): normal priority
        }
    }
}
