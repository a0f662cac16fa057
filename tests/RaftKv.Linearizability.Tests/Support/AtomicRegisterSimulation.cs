using RaftKv.Linearizability;

namespace RaftKv.Linearizability.Tests.Support;

/// <summary>
/// Concurrent clients of a store that is linearizable by construction: each operation takes effect on a plain
/// dictionary at one instant of virtual time strictly between its invocation and its reply. Every history it
/// records must therefore pass the checker. Written values are unique, which makes mutations provable.
/// </summary>
internal static class AtomicRegisterSimulation
{
    private const int MaxLatency = 20;
    private const int MaxThinkTime = 5;
    private const int MaxLateEffect = 200;

    public static IReadOnlyList<Operation> Run(SimulationOptions options)
    {
        var random = new Random(options.Seed);
        long now = 0;
        var history = new History(() => now);
        var store = new Dictionary<string, string>(StringComparer.Ordinal);
        var agenda = new PriorityQueue<Action, (long Time, long Sequence)>();
        long sequence = 0;
        int issued = 0;
        int nextValue = 0;

        void At(long time, Action action) => agenda.Enqueue(action, (time, sequence++));

        string? Apply(OpKind kind, string key, string? value)
        {
            switch (kind)
            {
                case OpKind.Set:
                    store[key] = value!;
                    return null;
                case OpKind.Delete:
                    store.Remove(key);
                    return null;
                default:
                    return store.GetValueOrDefault(key);
            }
        }

        void StartNext(int client)
        {
            if (issued == options.Operations)
            {
                return;
            }

            issued++;
            string key = $"k{random.Next(options.Keys)}";
            double roll = random.NextDouble();
            var kind = roll < 0.4 ? OpKind.Set : roll < 0.85 ? OpKind.Get : OpKind.Delete;
            string? value = kind == OpKind.Set ? $"{{\"client\":{client},\"n\":{nextValue++}}}" : null;
            int handle = history.Invoke(client, kind, key, value);
            long effectAt = now + random.Next(1, MaxLatency);
            long replyAt = effectAt + random.Next(1, MaxLatency);

            void Finish(OpOutcome outcome, string? read)
            {
                history.Complete(handle, outcome, read);
                At(now + random.Next(1, MaxThinkTime), () => StartNext(client));
            }

            double fate = random.NextDouble();
            if (fate < options.FailedRate)
            {
                At(replyAt, () => Finish(OpOutcome.Failed, null));
            }
            else if (fate < options.FailedRate + options.UnknownRate)
            {
                // The client gives up; the request may still be applied, even long after, or be lost.
                if (random.Next(2) == 0)
                {
                    At(now + random.Next(1, MaxLateEffect), () => Apply(kind, key, value));
                }

                At(now + random.Next(1, 2 * MaxLatency), () => Finish(OpOutcome.Unknown, null));
            }
            else
            {
                string? read = null;
                At(effectAt, () => read = Apply(kind, key, value));
                At(replyAt, () => Finish(OpOutcome.Ok, read));
            }
        }

        for (int client = 0; client < options.Clients; client++)
        {
            int c = client;
            At(random.Next(0, MaxThinkTime), () => StartNext(c));
        }

        while (agenda.TryDequeue(out var action, out var when))
        {
            now = when.Time;
            action();
        }

        return history.Operations;
    }
}
