using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Node.Events;
using RaftKv.Replica.Io;
using RaftKv.Storage;

namespace RaftKv.Node;

/// <summary>
/// The storage writer (DESIGN.md "Replica and host"): a task of its own that carries out the replica's persistence
/// requests in order, so the loop keeps ticking, heartbeating and serving reads while the disk works. Requests that
/// queued up during an fsync are written together with one fsync (group commit). Each completion goes back to the
/// loop as a <see cref="StorageEvent"/>. A full disk is waited out here, never by the loop: the write is retried
/// until space returns and the replica refuses client writes meanwhile; the node never exits for it. A snapshot file
/// is written beside the appends, on a low-priority thread of its own (<see cref="RaftStorage.PrepareSnapshot"/>, <see cref="BackgroundThread"/>): writing and
/// fsyncing a 1 GiB snapshot took seconds, and appends queued behind it stalled writes for as long (issue 9's 1 GiB
/// run, docs/BENCHMARKS.md); only the quick step that makes it the snapshot and drops the log runs in order here.
/// </summary>
public sealed class StorageWriter : IStorageQueue
{
    private static readonly TimeSpan FullDiskRetry = TimeSpan.FromMilliseconds(500);

    private readonly RaftStorage _storage;
    private readonly Action<StorageEvent> _report;
    private readonly ILogger _log;
    private readonly TimeSpan _injectedSyncDelay;
    private readonly Channel<object> _requests = Channel.CreateUnbounded<object>(new() { SingleReader = true, SingleWriter = true });
    private readonly List<PersistRequest> _batch = [];
    private bool _full;

    /// <summary>The compaction whose snapshot file is being written, if any.</summary>
    private (CompactRequest Request, Task<PreparedSnapshot> Task)? _preparing;

    /// <param name="injectedSyncDelay">Added to every write (tests of a slow disk); zero in production.</param>
    public StorageWriter(RaftStorage storage, Action<StorageEvent> report, ILogger log, TimeSpan injectedSyncDelay)
    {
        _storage = storage;
        _report = report;
        _log = log;
        _injectedSyncDelay = injectedSyncDelay;
    }

    public void Persist(PersistRequest request) => _requests.Writer.TryWrite(request);

    public void Compact(CompactRequest request) => _requests.Writer.TryWrite(request);

    /// <summary>Where batch write and snapshot timings go (raftkv.storage.fsync.duration, raftkv.snapshot.duration).</summary>
    public Metrics.NodeMetrics? Metrics { get; init; }

    /// <summary>Runs until <paramref name="ct"/> is cancelled or the storage fails (reported as <see cref="StorageEventKind.Failed"/>).</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            Task<bool>? waitForRequest = null;
            while (true)
            {
                // A snapshot file being written (PrepareSnapshot, on another thread) holds up nothing: appends go on, and
                // the compaction is finished here, in order with them, once the file is written.
                waitForRequest ??= _requests.Reader.WaitToReadAsync(ct).AsTask();
                if (_preparing is { } preparing)
                {
                    if (!waitForRequest.IsCompleted) await Task.WhenAny(waitForRequest, preparing.Task);
                }
                else
                {
                    await waitForRequest;
                }
                if (_preparing is { Task.IsCompleted: true } prepared)
                {
                    _preparing = null;
                    await FinishCompactionAsync(prepared.Request, prepared.Task);
                }
                if (!waitForRequest.IsCompleted) continue;
                var more = await waitForRequest;
                waitForRequest = null;
                if (!more) break;
                while (_requests.Reader.TryPeek(out var next))
                {
                    if (next is PersistRequest)
                    {
                        // Group commit: every persistence request queued right now goes into one write, one fsync.
                        while (_requests.Reader.TryPeek(out var p) && p is PersistRequest persist)
                        {
                            _requests.Reader.TryRead(out _);
                            _batch.Add(persist);
                        }
                        await WriteBatchAsync(ct);
                    }
                    else
                    {
                        _requests.Reader.TryRead(out _);
                        if (_preparing is { } earlier)
                        {
                            // The replica asks for one compaction at a time; finish the earlier one first all the same.
                            _preparing = null;
                            await FinishCompactionAsync(earlier.Request, earlier.Task);
                        }
                        await StartCompactionAsync((CompactRequest)next, ct);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
        catch (Exception ex)
        {
            _report(StorageEvent.Failed(ex));
        }
    }

    private async Task WriteBatchAsync(CancellationToken ct)
    {
        HardState? hardState = null;
        Snapshot? snapshot = null;
        var entries = new List<Entry>();
        foreach (var r in _batch)
        {
            if (r.Snapshot is { } s)
            {
                // A snapshot from the leader replaces everything before it, including entries of earlier requests.
                snapshot = s;
                entries.Clear();
            }
            if (r.Entries.Count > 0)
            {
                // A later request may overwrite a suffix of an earlier one (the leader changed): cut it first.
                var first = r.Entries[0].Index;
                var keep = entries.FindIndex(e => e.Index >= first);
                if (keep >= 0) entries.RemoveRange(keep, entries.Count - keep);
                entries.AddRange(r.Entries);
            }
            hardState = r.HardState ?? hardState;
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Snapshot? stored = null;
        await RetryWhileFullAsync(() => stored = _storage.Save(hardState, entries, snapshot), "appending to the log", ct);
        Metrics?.OnStorageWrite(entries.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        // A snapshot from the leader is now in this node's snapshot file: the loop points the core at that copy and then
        // lets the transport's staging file go (each request's own snapshot, including ones a later one superseded).
        foreach (var r in _batch) _report(StorageEvent.Persisted(r.Id, ReferenceEquals(r.Snapshot, snapshot) ? stored : null, r.Snapshot));
        _batch.Clear();
    }

    /// <summary>Makes the hard state durable (the storage compacts only what it knows is committed), then starts writing the snapshot file.</summary>
    private async Task StartCompactionAsync(CompactRequest request, CancellationToken ct)
    {
        if (request.HardState is { } hs)
            await RetryWhileFullAsync(() => _storage.Save(hs, [], null), "writing the hard state", ct);
        await DelayAsync(ct);
        _log.LogInformation("Writing the snapshot file at index {Index} in the background", request.Metadata.Index);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        // Streamed off the loop, from the frozen view the replica captured straight into the snapshot file, a buffer at a
        // time: the loop keeps applying meanwhile, this writer keeps appending, and no size of state needs it in memory.
        // At a lower CPU priority (BackgroundThread): on a busy machine the write path goes first.
        var task = BackgroundThread.Run("snapshot writer", () =>
        {
            var prepared = _storage.PrepareSnapshot(request.Metadata, request.WriteData, ct);
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            Metrics?.OnSnapshot(elapsed);
            _log.LogInformation("Wrote the snapshot file at index {Index}: {Bytes:N0} bytes in {Seconds:0.000} s",
                request.Metadata.Index, prepared.Snapshot.Data.Length, elapsed.TotalSeconds);
            return prepared;
        });
        _preparing = (request, task);
    }

    private async Task FinishCompactionAsync(CompactRequest request, Task<PreparedSnapshot> preparing)
    {
        try
        {
            var prepared = await preparing;
            var snapshot = _storage.Compact(prepared);
            Writable();
            if (snapshot is null)
                _log.LogInformation("Snapshot at index {Index} was superseded by a newer one from the leader while it was written", request.Metadata.Index);
            _report(StorageEvent.Compacted(request.Id, snapshot));
        }
        catch (StorageFullException ex)
        {
            // Nothing changed on disk: the log is whole. The replica tries again later.
            Full($"writing the snapshot at index {request.Metadata.Index}", ex);
            _report(StorageEvent.Compacted(request.Id, stored: null));
        }
    }

    private async Task RetryWhileFullAsync(Action write, string what, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await DelayAsync(ct);
                write();
                Writable();
                return;
            }
            catch (StorageFullException ex)
            {
                // Nothing was acknowledged on the strength of this batch: wait for space and write it again.
                Full(what, ex);
                await Task.Delay(FullDiskRetry, ct);
            }
        }
    }

    private ValueTask DelayAsync(CancellationToken ct) =>
        _injectedSyncDelay > TimeSpan.Zero ? new ValueTask(Task.Delay(_injectedSyncDelay, ct)) : ValueTask.CompletedTask;

    private void Full(string what, StorageFullException ex)
    {
        if (_full) return;
        _full = true;
        _log.LogError("Disk full while {What}, refusing writes until space returns: {Reason}", what, ex.Message);
        _report(StorageEvent.DiskFull(true));
    }

    private void Writable()
    {
        if (!_full) return;
        _full = false;
        _log.LogWarning("Disk writable again; resuming writes");
        _report(StorageEvent.DiskFull(false));
    }
}
