namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// The last events of a run, kept in a ring so a failure can show what led to it. Events are stored
/// unformatted (a time, a label and an optional object) and turned into text only when reported.
/// </summary>
public sealed class TraceBuffer(int capacity)
{
    private readonly record struct Item(long Step, long Time, string Label, object? Detail);

    private readonly Item[] _items = new Item[capacity];
    private long _count;

    public void Add(long step, long time, string label, object? detail = null)
    {
        _items[_count % _items.Length] = new Item(step, time, label, detail);
        _count++;
    }

    public override string ToString()
    {
        var lines = new List<string>();
        var first = Math.Max(0, _count - _items.Length);
        if (first > 0) lines.Add($"... {first} earlier events not kept");
        for (var i = first; i < _count; i++)
        {
            var item = _items[i % _items.Length];
            lines.Add($"#{item.Step} t={item.Time} {item.Label}{(item.Detail is null ? "" : " " + item.Detail)}");
        }
        return string.Join(Environment.NewLine, lines);
    }
}
