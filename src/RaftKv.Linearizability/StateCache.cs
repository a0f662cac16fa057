namespace RaftKv.Linearizability;

/// <summary>
/// The configurations already explored: (set of linearized operations, register state). Reaching one again by
/// another order cannot lead anywhere new, which is what turns Wing and Gong's exponential search into one
/// that finishes on real histories (Lowe, "Testing for linearizability", 2017).
/// Open addressing with linear probing; the bitsets live side by side in one array, so an entry costs its words
/// and no object.
/// </summary>
internal sealed class StateCache
{
    private readonly int width;
    private ulong[] pool;
    private ulong[] hashes;
    private int[] states;
    private int[] slots; // entry index + 1; 0 is empty
    private int count;

    public StateCache(int width)
    {
        this.width = width;
        const int initial = 1024;
        pool = new ulong[initial * width];
        hashes = new ulong[initial];
        states = new int[initial];
        slots = new int[initial * 2];
    }

    public int Count => count;

    /// <returns>True when the configuration is new (and now remembered); false when it was explored before.</returns>
    public bool TryAdd(ReadOnlySpan<ulong> words, ulong setHash, int state)
    {
        ulong hash = setHash ^ Mix.Finalize((ulong)(uint)state + 0x632BE59BD9B4E019UL);
        int mask = slots.Length - 1;
        int i = (int)(hash >> 33) & mask;
        while (slots[i] != 0)
        {
            int e = slots[i] - 1;
            if (hashes[e] == hash && states[e] == state && pool.AsSpan(e * width, width).SequenceEqual(words))
            {
                return false;
            }

            i = (i + 1) & mask;
        }

        if (count == hashes.Length)
        {
            Grow();
            return TryAddNew(words, hash, state);
        }

        Store(i, words, hash, state);
        return true;
    }

    private bool TryAddNew(ReadOnlySpan<ulong> words, ulong hash, int state)
    {
        int mask = slots.Length - 1;
        int i = (int)(hash >> 33) & mask;
        while (slots[i] != 0)
        {
            i = (i + 1) & mask;
        }

        Store(i, words, hash, state);
        return true;
    }

    private void Store(int slot, ReadOnlySpan<ulong> words, ulong hash, int state)
    {
        words.CopyTo(pool.AsSpan(count * width, width));
        hashes[count] = hash;
        states[count] = state;
        slots[slot] = count + 1;
        count++;
    }

    private void Grow()
    {
        int capacity = hashes.Length * 2;
        Array.Resize(ref pool, capacity * width);
        Array.Resize(ref hashes, capacity);
        Array.Resize(ref states, capacity);
        slots = new int[capacity * 2];
        int mask = slots.Length - 1;
        for (int e = 0; e < count; e++)
        {
            int i = (int)(hashes[e] >> 33) & mask;
            while (slots[i] != 0)
            {
                i = (i + 1) & mask;
            }

            slots[i] = e + 1;
        }
    }
}
