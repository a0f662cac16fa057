using BenchmarkDotNet.Attributes;
using RaftKv.Core;
using RaftKv.Storage;

namespace RaftKv.Benchmarks;

/// <summary>
/// One Ready made durable: <see cref="RaftStorage.Save"/> of a batch of 1 or 64 entries (about 300 bytes
/// each) plus the hard state, in a temp directory. With <see cref="Fsync"/> this is the disk's
/// fdatasync latency plus our encoding; without it, our encoding and the write syscall alone.
/// </summary>
[MemoryDiagnoser]
public class WalBenchmarks
{
    // Compacted like a node (which snapshots every 50,000 entries), so the temp directory stays small.
    private const long CompactEvery = 50_000;

    private string _directory = null!;
    private RaftStorage _storage = null!;
    private byte[][] _commands = null!;
    private long _nextIndex;
    private long _compactedTo;

    [Params(1, 64)]
    public int EntriesPerBatch { get; set; }

    [Params(true, false)]
    public bool Fsync { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), $"raftkv-walbench-{Guid.NewGuid():N}");
        _storage = RaftStorage.Open(_directory, "bench", 0, new StorageOptions { Fsync = Fsync });
        _commands = Enumerable.Range(0, EntriesPerBatch).Select(i => SampleData.SetCommand(i, session: 1, i + 1)).ToArray();
        _nextIndex = 1;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _storage.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public void SaveBatch()
    {
        var entries = new Entry[EntriesPerBatch];
        for (var i = 0; i < entries.Length; i++) entries[i] = new Entry(_nextIndex + i, 1, EntryType.Command, _commands[i]);
        _nextIndex += entries.Length;
        // The commit index moves with every batch, as on a busy leader, so the hard state is written too.
        _storage.Save(new HardState(1, 0, _nextIndex - 1), entries, null);

        if (_nextIndex - 1 - _compactedTo >= CompactEvery)
        {
            _compactedTo = _nextIndex - 1;
            _storage.Compact(new Snapshot(new SnapshotMetadata(_compactedTo, 1, ClusterConfig.OfVoters(0)), SnapshotBytes.Empty));
        }
    }
}
