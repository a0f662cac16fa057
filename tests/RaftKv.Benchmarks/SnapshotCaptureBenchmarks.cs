using BenchmarkDotNet.Attributes;
using RaftKv.StateMachine;

namespace RaftKv.Benchmarks;

/// <summary>
/// What a snapshot costs the replica's loop (issue 9): <see cref="KvStateMachine.Capture"/> (the loop's part since
/// snapshots are taken off the loop: one reference per key) against <see cref="KvStateMachine.TakeSnapshot"/> (what
/// the loop did before: every byte of the state serialised into one array; now done by the storage writer).
/// </summary>
[MemoryDiagnoser]
public class SnapshotCaptureBenchmarks
{
    private KvStateMachine _machine = null!;

    [Params(10_000, 100_000)]
    public int Keys { get; set; }

    [Params(256, 4096)]
    public int ValueBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _machine = new KvStateMachine();
        _machine.Apply(1, KvCommandCodec.EncodeRegister());
        var value = System.Text.Json.JsonSerializer.SerializeToElement(new string('v', ValueBytes - 2));
        for (var i = 0; i < Keys; i++)
        {
            _machine.Apply(i + 2, KvCommandCodec.Encode(new KvCommand
            {
                Op = KvOp.Set, Key = $"key/{i:D8}", Value = value, Session = 1, Seq = i + 1,
            }));
        }
    }

    [Benchmark(Baseline = true)]
    public byte[] SerialiseOnTheLoop() => _machine.TakeSnapshot();

    [Benchmark]
    public KvSnapshotView CaptureOnTheLoop() => _machine.Capture();
}
