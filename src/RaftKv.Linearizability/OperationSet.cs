namespace RaftKv.Linearizability;

/// <summary>
/// The set of operations linearized so far, as a bitset with an incrementally maintained Zobrist hash
/// (each operation has a fixed random 64-bit key; the hash is the XOR of the members' keys), so that adding,
/// removing and hashing are O(1) and only a cache insertion pays for copying the words.
/// </summary>
internal sealed class OperationSet
{
    private readonly ulong[] words;
    private readonly ulong[] keys;

    public OperationSet(int capacity)
    {
        words = new ulong[(capacity + 63) / 64];
        keys = new ulong[capacity];
        ulong seed = 0x9E3779B97F4A7C15UL;
        for (int i = 0; i < capacity; i++)
        {
            keys[i] = Mix.SplitMix64(ref seed);
        }
    }

    public ulong Hash { get; private set; }

    public ReadOnlySpan<ulong> Words => words;

    public void Add(int op)
    {
        words[op >> 6] |= 1UL << (op & 63);
        Hash ^= keys[op];
    }

    public void Remove(int op)
    {
        words[op >> 6] &= ~(1UL << (op & 63));
        Hash ^= keys[op];
    }
}
