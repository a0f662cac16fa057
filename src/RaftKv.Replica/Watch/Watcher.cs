using System.Threading.Channels;
using RaftKv.Protocol;
using RaftKv.StateMachine;

namespace RaftKv.Replica;

/// <summary>
/// One watch: which keys it wants, the next revision to deliver, and a queue of batches between the event
/// loop (which fills it after each applied batch) and the connection (which sends them). The loop never
/// waits on a watcher: when more than <see cref="MaxPendingEvents"/> events wait to be sent, the watcher is
/// cut off with a reason, and its client resumes from the last revision it received.
/// </summary>
public sealed class Watcher
{
    /// <summary>Events queued for one watcher before it counts as too slow.</summary>
    public const int MaxPendingEvents = 10_000;

    /// <summary>Events read from the history in one go.</summary>
    internal const int BatchEvents = 1_000;

    private readonly Channel<ClientResponse> _queue = Channel.CreateUnbounded<ClientResponse>(new() { SingleReader = true, SingleWriter = true });
    private readonly string _key;
    private readonly bool _prefix;
    private readonly KeyRange _range;
    private int _pending;
    private volatile bool _closed;

    public Watcher(ClientRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Request = request;
        _key = request.Key ?? "";
        _prefix = request.Prefix;
        _range = KeyRange.Prefix(_key);
    }

    public ClientRequest Request { get; }

    /// <summary>The next revision to deliver; set by the loop.</summary>
    internal long Next { get; set; }

    /// <summary>What the connection sends, in order; completed when the watch ends.</summary>
    public ChannelReader<ClientResponse> Responses => _queue.Reader;

    /// <summary>The connection is gone: the loop drops this watcher at its next pass.</summary>
    public bool Closed => _closed;

    public void Close() => _closed = true;

    internal bool Matches(KvEvent e) => _prefix ? _range.Contains(e.Key) : string.Equals(e.Key, _key, StringComparison.Ordinal);

    /// <summary>The connection sent a batch of <paramref name="events"/> events.</summary>
    public void Sent(int events) => Interlocked.Add(ref _pending, -events);

    /// <summary>Queues a batch complete up to <paramref name="revision"/>; false (and the watcher is cut off) when it is too far behind.</summary>
    internal bool Offer(List<KvEvent> events, long revision, ClientResponse header)
    {
        if (Volatile.Read(ref _pending) + events.Count > MaxPendingEvents)
        {
            End(header with
            {
                Status = ClientStatus.WatchCanceled,
                Revision = Next - 1,
                Error = $"watch canceled: the client fell more than {MaxPendingEvents} events behind; resume from revision {Next}",
            });
            return false;
        }
        Interlocked.Add(ref _pending, events.Count);
        _queue.Writer.TryWrite(header with { Status = ClientStatus.Ok, Revision = revision, Events = [.. events.Select(e => e.ToWire())] });
        return true;
    }

    /// <summary>Sends <paramref name="last"/> and ends the watch.</summary>
    internal void End(ClientResponse last)
    {
        _queue.Writer.TryWrite(last);
        _queue.Writer.TryComplete();
        _closed = true;
    }
}
