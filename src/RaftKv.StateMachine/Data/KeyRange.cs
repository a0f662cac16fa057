namespace RaftKv.StateMachine;

/// <summary>
/// The keys <c>k</c> with <c>Start &lt;= k &lt; End</c> in ordinal (UTF-16 code unit) order; a null
/// <see cref="End"/> means no upper bound. A prefix P is the range [P, P with its last char incremented).
/// </summary>
public readonly record struct KeyRange(string Start, string? End)
{
    /// <summary>Every key that starts with <paramref name="prefix"/> (every key when it is empty).</summary>
    public static KeyRange Prefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        // Trailing U+FFFF cannot be incremented: "a\uFFFF" ends where "a" with its last char incremented ends.
        var end = prefix.TrimEnd('\uffff');
        if (end.Length == 0) return new KeyRange(prefix, null);
        return new KeyRange(prefix, string.Concat(end.AsSpan(0, end.Length - 1), [(char)(end[^1] + 1)]));
    }

    public bool Contains(string key)
        => string.CompareOrdinal(key, Start) >= 0 && (End is null || string.CompareOrdinal(key, End) < 0);

    /// <summary>True when no key can be in the range.</summary>
    public bool IsEmpty => End is not null && string.CompareOrdinal(Start, End) >= 0;
}
