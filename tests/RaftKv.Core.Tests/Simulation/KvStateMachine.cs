using RaftKv.Core.Tests.Simulation.Invariants;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// The simulated application: one register per key, holding the id of the last write applied to it.
/// Keeps a digest of everything applied (every entry, in order) so two nodes can be compared at any
/// index, and rejects any apply out of order. Volatile: a restarted node rebuilds it from its snapshot
/// and the committed log.
/// </summary>
public sealed class KvStateMachine
{
    private readonly Dictionary<string, long> _values = [];

    public long AppliedIndex { get; private set; }
    public ulong Digest { get; private set; }

    /// <summary>The id of the write the key holds; 0 when it was never written.</summary>
    public long Get(string key) => _values.GetValueOrDefault(key);

    /// <summary>Applies the next committed entry; returns the command it carried, if any.</summary>
    public Command? Apply(Entry entry)
    {
        if (entry.Index != AppliedIndex + 1)
            throw new InvariantViolationException("Apply order", $"entry {entry.Index} applied after index {AppliedIndex}");
        AppliedIndex = entry.Index;
        Digest = Mix(Mix(Mix(Digest, (ulong)entry.Index), (ulong)entry.Term), HashData(entry));
        if (entry.Type != EntryType.Command) return null;
        var command = Command.Decode(entry.Data);
        _values[command.Key] = command.Id;
        return command;
    }

    /// <summary>The state as snapshot data (what <see cref="Raft.Compact"/> keeps).</summary>
    public byte[] TakeSnapshot()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(AppliedIndex);
            writer.Write(Digest);
            writer.Write(_values.Count);
            foreach (var (key, value) in _values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                writer.Write(key);
                writer.Write(value);
            }
        }
        return stream.ToArray();
    }

    /// <summary>Rebuilds the state from snapshot data taken at <paramref name="index"/>.</summary>
    public static KvStateMachine FromSnapshot(byte[] data, long index)
    {
        var machine = new KvStateMachine();
        using var reader = new BinaryReader(new MemoryStream(data));
        machine.AppliedIndex = reader.ReadInt64();
        machine.Digest = reader.ReadUInt64();
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++) machine._values[reader.ReadString()] = reader.ReadInt64();
        if (machine.AppliedIndex != index)
            throw new InvariantViolationException("Snapshot", $"snapshot at index {index} holds state applied through {machine.AppliedIndex}");
        return machine;
    }

    private static ulong HashData(Entry entry)
    {
        var h = 14695981039346656037UL ^ (ulong)entry.Type;
        foreach (var b in entry.Data) h = (h ^ b) * 1099511628211UL;
        return h;
    }

    private static ulong Mix(ulong h, ulong v)
    {
        // A splitmix64 step over the running value: order-sensitive, so a reordering changes the digest.
        var z = h + 0x9E3779B97F4A7C15UL + v;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
