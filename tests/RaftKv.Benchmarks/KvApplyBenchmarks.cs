using BenchmarkDotNet.Attributes;
using RaftKv.StateMachine;

namespace RaftKv.Benchmarks;

/// <summary>
/// Applying committed set commands to the KV state machine: parse the entry, check the client's session
/// (seq above its last), store the value. Each iteration starts from a state machine whose sessions are
/// registered (sessions 1..Sessions, the register entries at those indexes) and nothing else, because a
/// command applied twice is a duplicate and would measure the wrong path.
/// </summary>
[MemoryDiagnoser]
public class KvApplyBenchmarks
{
    private const int Commands = 4096;

    private byte[][] _commands = null!;
    private KvStateMachine _machine = null!;

    [Params(1, 64)]
    public int Sessions { get; set; }

    [GlobalSetup]
    public void Setup() =>
        _commands = Enumerable.Range(0, Commands)
            .Select(i => SampleData.SetCommand(i * 7919, session: (i % Sessions) + 1, (i / Sessions) + 1))
            .ToArray();

    [IterationSetup]
    public void NewMachine()
    {
        _machine = new KvStateMachine();
        for (var session = 1; session <= Sessions; session++) _machine.Apply(session, KvCommandCodec.EncodeRegister());
    }

    [Benchmark(OperationsPerInvoke = Commands)]
    public long ApplySet()
    {
        for (var i = 0; i < _commands.Length; i++) _machine.Apply(Sessions + i + 1, _commands[i]);
        return _machine.AppliedIndex;
    }
}
