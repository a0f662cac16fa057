namespace RaftKv.Core.Tracking;

/// <summary>
/// The AppendEntries messages sent to one follower and not yet acknowledged, by the last index each
/// carried. A bounded window: pipelining without flooding a slow follower.
/// </summary>
public sealed class Inflights(int capacity)
{
    private readonly Queue<long> _lastIndexes = new();

    public int Count => _lastIndexes.Count;
    public bool Full => _lastIndexes.Count >= capacity;

    public void Add(long lastIndex) => _lastIndexes.Enqueue(lastIndex);

    /// <summary>Frees every message whose entries are all acknowledged (last index ≤ <paramref name="index"/>).</summary>
    public void FreeUpTo(long index)
    {
        while (_lastIndexes.Count > 0 && _lastIndexes.Peek() <= index) _lastIndexes.Dequeue();
    }

    public void Reset() => _lastIndexes.Clear();
}
