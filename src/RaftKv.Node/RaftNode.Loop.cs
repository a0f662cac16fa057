using Microsoft.Extensions.Logging;
using RaftKv.Node.Events;

namespace RaftKv.Node;

// The loop: take what arrived, hand it to the replica, let it flush, publish its view. No decisions here.
public sealed partial class RaftNode
{
    private async Task RunLoopAsync(CancellationToken ct)
    {
        try
        {
            _replica.Flush();
            FollowPeers();
            SetView(_replica.View);
            while (!ct.IsCancellationRequested)
            {
                var inputs = 0;
                // Storage news and ticks first: durability frees held messages; then peer messages, whose
                // acknowledgements free the pipeline and commit entries; then clients.
                while (_control.Reader.TryRead(out var e))
                {
                    Handle(e);
                    inputs++;
                }
                while (inputs < MaxInputsPerTurn && _inbound.Reader.TryRead(out var message))
                {
                    _replica.Step(message);
                    // A snapshot the core did not take (it already has what it covers) leaves its staging file behind;
                    // one it took goes to storage, and its staging file once stored (StorageEvent Persisted).
                    if (message.Snapshot?.Data is IDisposable staged && !ReferenceEquals(_replica.Core.LatestSnapshot?.Data, message.Snapshot.Data))
                        staged.Dispose();
                    inputs++;
                }
                while (inputs < MaxInputsPerTurn && _calls.Reader.TryRead(out var call))
                {
                    _replica.Submit(call);
                    inputs++;
                }
                if (inputs == 0)
                {
                    await WaitForInputAsync(ct);
                    continue;
                }
                _replica.Flush();
                FollowPeers();
                SetView(_replica.View);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
        catch (Exception ex)
        {
            // Corrupt storage or a broken Raft invariant: stop loudly, never limp on with bad state.
            _log.LogCritical(ex, "Stopped: {Reason}", ex.Message);
            _stopped.TrySetException(ex);
        }
        finally
        {
            const string reason = "the node is shutting down";
            _replica.Stop(reason);
            _calls.Writer.TryComplete();
            while (_calls.Reader.TryRead(out var call)) _replica.Submit(call);
            while (_control.Reader.TryRead(out var e))
            {
                if (e is ShutdownEvent s) s.Complete(Core.NodeIds.None);
                if (e is WatchRegistration w) _replica.Watch(w.Watcher);
                if (e is BackupCapture b) b.Complete(null);
            }
        }
    }

    private void Handle(NodeEvent e)
    {
        switch (e)
        {
            case TickEvent:
                Volatile.Write(ref _tickPending, 0);
                _replica.Tick();
                break;
            case StorageEvent { Kind: StorageEventKind.Persisted } s:
                _replica.OnPersisted(s.Id, s.Snapshot);
                // The core now points at the stored copy: the staging file the snapshot arrived in can go.
                if (s.Received?.Data is IDisposable staged) staged.Dispose();
                break;
            case StorageEvent { Kind: StorageEventKind.Compacted } s:
                _replica.OnCompacted(s.Id, s.Snapshot);
                break;
            case StorageEvent { Kind: StorageEventKind.DiskFull } s:
                _replica.OnDiskFull(s.Flag);
                break;
            case StorageEvent { Kind: StorageEventKind.Failed, Failure: { } failure }:
                throw new IOException($"storage failed: {failure.Message}", failure);
            case ShutdownEvent s:
                _replica.BeginShutdown(s);
                break;
            case WatchRegistration w:
                _replica.Watch(w.Watcher);
                break;
            case BackupCapture b:
                _replica.RequestBackup(b);
                break;
        }
    }

    // One pending wait per channel, kept across turns until it completes. A single-reader channel allows one waiter
    // at a time and cancels the old one when asked again, so asking all three anew on every idle turn cancelled the
    // two that had not fired: two exceptions thrown and caught per turn, on the write path of every request.
    private Task<bool>? _controlWait;
    private Task<bool>? _inboundWait;
    private Task<bool>? _callsWait;

    private async Task WaitForInputAsync(CancellationToken ct)
    {
        var control = _controlWait is { IsCompleted: false } pendingControl ? pendingControl : _controlWait = _control.Reader.WaitToReadAsync(ct).AsTask();
        var inbound = _inboundWait is { IsCompleted: false } pendingInbound ? pendingInbound : _inboundWait = _inbound.Reader.WaitToReadAsync(ct).AsTask();
        var calls = _callsWait is { IsCompleted: false } pendingCalls ? pendingCalls : _callsWait = _calls.Reader.WaitToReadAsync(ct).AsTask();
        if (control.IsCompleted || inbound.IsCompleted || calls.IsCompleted) return;
        await Task.WhenAny(control, inbound, calls);
    }
}
