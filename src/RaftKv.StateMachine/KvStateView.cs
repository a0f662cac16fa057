using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace RaftKv.StateMachine;

/// <summary>
/// <see cref="KvStateMachine.All"/>: lookups go straight to the hash table; enumeration walks the keys
/// in ordinal order and parses each value as it is reached.
/// </summary>
internal sealed class KvStateView(KvStateMachine owner) : IReadOnlyDictionary<string, JsonElement>
{
    public int Count => owner.Count;

    public JsonElement this[string key]
        => owner.TryGet(key, out var value) ? value : throw new KeyNotFoundException($"key \"{key}\" is not in the store");

    public IEnumerable<string> Keys => SortedKeys();

    public IEnumerable<JsonElement> Values => this.Select(pair => pair.Value);

    public bool ContainsKey(string key) => owner.Data.TryGet(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out JsonElement value) => owner.TryGet(key, out value);

    public IEnumerator<KeyValuePair<string, JsonElement>> GetEnumerator()
    {
        var version = owner.Version;
        using var pairs = owner.Data.Ordered().GetEnumerator();
        while (true)
        {
            // Checked before the underlying enumerator moves, so the message is ours rather than the sorted set's.
            if (owner.Version != version) throw new InvalidOperationException("the store changed during enumeration");
            if (!pairs.MoveNext()) yield break;
            yield return new(pairs.Current.Key, JsonText.ToElement(pairs.Current.Value.Value));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private string[] SortedKeys() => owner.Data.Ordered().Select(pair => pair.Key).ToArray();
}
