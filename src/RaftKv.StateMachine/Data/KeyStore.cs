using System.Diagnostics.CodeAnalysis;

namespace RaftKv.StateMachine;

/// <summary>
/// The keys: a hash table for point reads and writes (looked up by span, so overwriting an existing key
/// allocates no string) beside an ordinal sorted set of the keys for range reads, which cost
/// O(log n + keys returned) rather than a scan and sort of every key.
/// </summary>
internal sealed class KeyStore
{
    private readonly Dictionary<string, KeyRecord> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KeyRecord>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly SortedSet<string> _ordered = new(StringComparer.Ordinal);

    public KeyStore() => _bySpan = _byKey.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => _byKey.Count;

    public bool TryGet(ReadOnlySpan<char> key, [MaybeNullWhen(false)] out string storedKey, [MaybeNullWhen(false)] out KeyRecord record)
        => _bySpan.TryGetValue(key, out storedKey, out record);

    public bool TryGet(string key, [MaybeNullWhen(false)] out KeyRecord record) => _byKey.TryGetValue(key, out record);

    /// <summary>Stores <paramref name="record"/>; returns the key as stored (the existing string when the key was there).</summary>
    public string Put(ReadOnlySpan<char> key, KeyRecord record)
    {
        if (_bySpan.TryGetValue(key, out var existing, out _))
        {
            _byKey[existing] = record;
            return existing;
        }
        var added = new string(key);
        _byKey.Add(added, record);
        _ordered.Add(added);
        return added;
    }

    public bool Remove(string key, [MaybeNullWhen(false)] out KeyRecord record)
    {
        if (!_byKey.Remove(key, out record)) return false;
        _ordered.Remove(key);
        return true;
    }

    /// <summary>The keys of <paramref name="range"/> in ordinal order. Do not change the store while enumerating.</summary>
    public IEnumerable<KeyValuePair<string, KeyRecord>> Range(KeyRange range)
    {
        if (_ordered.Count == 0 || range.IsEmpty) yield break;
        var upper = range.End ?? _ordered.Max!;
        if (string.CompareOrdinal(range.Start, upper) > 0) yield break;
        foreach (var key in _ordered.GetViewBetween(range.Start, upper))
        {
            if (range.End is not null && string.Equals(key, range.End, StringComparison.Ordinal)) yield break;
            yield return new(key, _byKey[key]);
        }
    }

    /// <summary>Every key in ordinal order.</summary>
    /// <summary>Every key and its record, in no particular order: a plain copy of the hash table, the cheapest capture.</summary>
    public KeyValuePair<string, KeyRecord>[] Unordered() => [.. _byKey];

    public IEnumerable<KeyValuePair<string, KeyRecord>> Ordered()
    {
        foreach (var key in _ordered) yield return new(key, _byKey[key]);
    }
}
