namespace RaftKv.Client;

/// <summary>
/// A range read: every key starting with <see cref="Prefix"/>, or the half-open range [<see cref="From"/>, <see cref="To"/>)
/// (<see cref="To"/> null: to the last key), in ordinal key order.
/// </summary>
public sealed record RangeQuery
{
    public string? Prefix { get; init; }
    public string? From { get; init; }
    public string? To { get; init; }

    /// <summary>Most keys to return (0 or null: all). The response's Count is still the whole range; More says it was cut.</summary>
    public int? Limit { get; init; }

    public bool KeysOnly { get; init; }
    public bool CountOnly { get; init; }
}
