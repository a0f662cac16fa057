using System.Text;

namespace RaftKv.Core.Tests.Rules;

/// <summary>
/// One Raft core with its memory "disk" and a trivial state machine (the list of applied commands),
/// handling each <see cref="Ready"/> the way the node driver must: persist, send, apply, advance.
/// </summary>
public sealed class TestNode
{
    private readonly int _seed;

    public TestNode(RaftOptions options, MemoryStorage storage, int seed)
    {
        Options = options;
        Storage = storage;
        _seed = seed;
        Raft = new Raft(options, storage.ToPersistentState(), new Random(seed));
    }

    public int Id => Options.Id;
    public RaftOptions Options { get; }
    public MemoryStorage Storage { get; }
    public Raft Raft { get; private set; }

    /// <summary>Every committed entry handed to this incarnation's state machine, in the order handed.</summary>
    public List<Entry> AppliedEntries { get; } = [];

    /// <summary>The state machine: commands applied (restored from a snapshot's data first, if any).</summary>
    public List<string> State { get; } = [];

    public List<ReadState> ReadStates { get; } = [];

    /// <summary>Snapshots this node received from a leader and installed.</summary>
    public List<Snapshot> InstalledSnapshots { get; } = [];

    /// <summary>Handles one Ready completely and returns the messages to send (those that may go at once, then those that waited for the write).</summary>
    public IReadOnlyList<Message> HandleReady()
    {
        var ready = Raft.GetReady();
        Storage.Persist(ready);
        if (ready.Snapshot is { } snapshot)
        {
            InstalledSnapshots.Add(snapshot);
            State.Clear();
            State.AddRange(DecodeState(SnapshotBytes.ReadAll(snapshot.Data)));
        }
        foreach (var e in ready.CommittedEntries)
        {
            AppliedEntries.Add(e);
            if (e.Type == EntryType.Command) State.Add(Encoding.UTF8.GetString(e.Data));
        }
        ReadStates.AddRange(ready.ReadStates);
        Raft.Advance(ready);
        return [.. ready.Messages, .. ready.MessagesAfterPersist];
    }

    /// <summary>Takes a snapshot of the state machine at the applied index and compacts the log (and the disk) up to it.</summary>
    public Snapshot Compact()
    {
        var snapshot = Raft.Compact(new SnapshotBytes(EncodeState(State)));
        Storage.Compact(snapshot);
        return snapshot;
    }

    /// <summary>Simulates a crash and restart: everything not on the "disk" is lost.</summary>
    public void Restart()
    {
        Raft = new Raft(Options, Storage.ToPersistentState(), new Random(_seed + 1_000));
        AppliedEntries.Clear();
        ReadStates.Clear();
        State.Clear();
        if (Storage.Snapshot is { } snapshot) State.AddRange(DecodeState(SnapshotBytes.ReadAll(snapshot.Data)));
    }

    public static byte[] EncodeState(IEnumerable<string> commands) => Encoding.UTF8.GetBytes(string.Join('\n', commands));

    private static IEnumerable<string> DecodeState(byte[] data) =>
        data.Length == 0 ? [] : Encoding.UTF8.GetString(data).Split('\n');

    /// <summary>The (index, term) pairs of the whole log, for comparing logs.</summary>
    public IReadOnlyList<(long Index, long Term)> LogIds() =>
        Raft.Entries(Raft.FirstIndex, Raft.LastIndex).Select(e => (e.Index, e.Term)).ToArray();

    public override string ToString() => Raft.ToString();
}
