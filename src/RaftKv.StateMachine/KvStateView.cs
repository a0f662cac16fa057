using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace RaftKv.StateMachine;

/// <summary>
/// <see cref="KvStateMachine.All"/>: lookups go straight to the hash table; enumeration sorts the keys
/// (ordinal) when it starts and parses each value as it is reached.
/// </summary>
internal sealed class KvStateView(KvStateMachine owner) : IReadOnlyDictionary<string, JsonElement>
{
    public int Count => owner.Count;

    public JsonElement this[string key]
        => owner.TryGet(key, out var value) ? value : throw new KeyNotFoundException($"key \"{key}\" is not in the store");

    public IEnumerable<string> Keys => SortedKeys();

    public IEnumerable<JsonElement> Values => this.Select(pair => pair.Value);

    public bool ContainsKey(string key) => owner.Data.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out JsonElement value) => owner.TryGet(key, out value);

    public IEnumerator<KeyValuePair<string, JsonElement>> GetEnumerator()
    {
        var version = owner.Version;
        var data = owner.Data;
        foreach (var key in SortedKeys())
        {
            if (owner.Version != version) throw new InvalidOperationException("the store changed during enumeration");
            yield return new(key, JsonText.ToElement(data[key]));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private string[] SortedKeys()
    {
        var keys = owner.Data.Keys.ToArray();
        Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }
}
