using System.Diagnostics;

namespace RaftKv.Storage.IO;

/// <summary>
/// Holds a bulk writer (a snapshot file) to a byte rate, so that it leaves the disk room for the log's fdatasyncs: three
/// nodes on one disk writing a 1 GiB snapshot each as fast as they could made every small fdatasync queue behind them
/// (write p50 0.9 to 3.7 ms and p99 5 to 23 ms across the snapshot, issue 9's 1 GiB run, docs/BENCHMARKS.md). Used on a
/// thread of its own (<see cref="BackgroundThread"/>): it waits there, cancellably, when the writer is ahead of the rate.
/// </summary>
internal sealed class WritePacer
{
    private readonly long _bytesPerSecond;
    private readonly CancellationToken _cancellationToken;
    private readonly long _started = Stopwatch.GetTimestamp();

    /// <param name="bytesPerSecond">The rate; zero or less for none (the writer then never waits).</param>
    /// <param name="cancellationToken">Ends a wait and abandons the write (<see cref="OperationCanceledException"/>).</param>
    public WritePacer(long bytesPerSecond, CancellationToken cancellationToken)
    {
        _bytesPerSecond = bytesPerSecond;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Called with the bytes written so far; returns once writing more keeps to the rate.</summary>
    public void Wrote(long totalBytes)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        if (_bytesPerSecond <= 0)
        {
            return;
        }
        var ahead = TimeSpan.FromSeconds((double)totalBytes / _bytesPerSecond) - Stopwatch.GetElapsedTime(_started);
        if (ahead > TimeSpan.Zero && _cancellationToken.WaitHandle.WaitOne(ahead))
        {
            _cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
