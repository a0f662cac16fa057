using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RaftKv.Testing.Faults;

/// <summary>
/// Waits of a millisecond or a few, kept to about a tenth of a millisecond: <see cref="Task.Delay(TimeSpan)"/> returns
/// at once for less than 1 ms and takes about 4-5 ms for 1 ms on these machines (the runtime's timer is coarse), which
/// would make a proxy's "1 ms" delay five times longer. One thread serves every wait: while waits are pending it sleeps
/// until the earliest is due, in steps of at most a millisecond, with usleep (the runtime's own waits count whole
/// milliseconds); with none it blocks until one arrives. Linux only, as the process tests are.
/// </summary>
internal static partial class DelayTimer
{
    private static readonly Lock Gate = new();
    private static readonly PriorityQueue<TaskCompletionSource, long> Waits = new();
    private static readonly AutoResetEvent Changed = new(false);
    private static Thread? _thread;

    /// <summary>Completes no earlier than <paramref name="due"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public static Task WaitUntilAsync(long due, CancellationToken cancellationToken)
    {
        if (Stopwatch.GetTimestamp() >= due) return Task.CompletedTask;
        var wait = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (Gate)
        {
            var earliest = Waits.TryPeek(out _, out var first) ? first : long.MaxValue;
            Waits.Enqueue(wait, due);
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "fault proxy delay timer" };
                _thread.Start();
            }
            if (earliest == long.MaxValue) Changed.Set();
        }
        return wait.Task.WaitAsync(cancellationToken);
    }

    private static void Run()
    {
        while (true)
        {
            TimeSpan sleep;
            lock (Gate)
            {
                var now = Stopwatch.GetTimestamp();
                while (Waits.TryPeek(out var wait, out var due) && due <= now)
                {
                    Waits.Dequeue();
                    wait.TrySetResult();
                }
                sleep = Waits.TryPeek(out _, out var next) ? Stopwatch.GetElapsedTime(now, next) : Timeout.InfiniteTimeSpan;
            }
            if (sleep == Timeout.InfiniteTimeSpan) Changed.WaitOne();
            else _ = Usleep((uint)Math.Clamp(Math.Ceiling(sleep.TotalMicroseconds), 1, 1000));
        }
    }

    [LibraryImport("libc", EntryPoint = "usleep")]
    private static partial int Usleep(uint microseconds);
}
