using BenchmarkDotNet.Attributes;
using RaftKv.Core;

namespace RaftKv.Benchmarks;

/// <summary>
/// The Raft core alone: a leader and two followers wired by in-memory queues, no I/O. One operation is
/// one proposal carried all the way: Propose, the leader's Ready, AppendEntries stepped into both
/// followers, their Ready and responses stepped back, the commit, and the apply notification, with
/// every Ready "persisted" by calling Advance at once. Proposals come in rounds of <see cref="Batch"/>,
/// as the node driver batches the proposals that arrive while it is busy.
/// </summary>
[MemoryDiagnoser]
public class RaftStepBenchmarks
{
    private const long CompactEvery = 10_000;

    private Raft[] _nodes = null!;
    private Queue<Message> _network = null!;
    private byte[] _command = null!;
    private long _steps;

    [Params(1, 64)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var config = ClusterConfig.OfVoters(0, 1, 2);
        _nodes = Enumerable.Range(0, 3)
            .Select(id => new Raft(new RaftOptions { Id = id, InitialConfig = config }, PersistentState.Empty, new Random(id + 1)))
            .ToArray();
        _network = new Queue<Message>();
        _command = SampleData.SetCommand(42, session: 1, 1);
        _nodes[0].Campaign();
        Pump();
        if (_nodes[0].Role != Role.Leader) throw new InvalidOperationException($"node 0 did not win the election: {_nodes[0]}");
    }

    [Benchmark(OperationsPerInvoke = 64)]
    public long ProposeAndCommit()
    {
        var leader = _nodes[0];
        // 64 proposals per invocation either way, so both parameters do the same work per operation count.
        for (var round = 0; round < 64 / Batch; round++)
        {
            for (var i = 0; i < Batch; i++)
            {
                if (leader.Propose(_command, out _) != ProposeResult.Accepted) throw new InvalidOperationException("proposal refused");
            }
            Pump();
        }
        MaybeCompact();
        return leader.CommitIndex;
    }

    /// <summary>Hands out every Ready and delivers every message until the three cores are quiet.</summary>
    private void Pump()
    {
        while (true)
        {
            var busy = false;
            foreach (var node in _nodes)
            {
                if (!node.HasReady) continue;
                busy = true;
                var ready = node.GetReady();
                foreach (var m in ready.AllMessages) _network.Enqueue(m);
                node.Advance(ready);
            }
            while (_network.TryDequeue(out var message))
            {
                _nodes[message.To].Step(message);
                _steps++;
                busy = true;
            }
            if (!busy) return;
        }
    }

    private void MaybeCompact()
    {
        foreach (var node in _nodes)
        {
            if (node.AppliedIndex - (node.FirstIndex - 1) >= CompactEvery) node.Compact(SnapshotBytes.Empty);
        }
    }

    [GlobalCleanup]
    public void Report() => Console.WriteLine($"// messages stepped: {_steps}");
}
