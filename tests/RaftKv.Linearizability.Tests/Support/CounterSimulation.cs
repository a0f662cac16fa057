using System.Globalization;
using RaftKv.Linearizability;

namespace RaftKv.Linearizability.Tests.Support;

/// <summary>
/// Clients incrementing one counter by compare-and-set (read value, version and mod revision; then set value + 1
/// guarded by the mod revision or the version read) against a store that is linearizable by construction: each
/// operation takes effect at one instant of virtual time between its invocation and its reply, every write taking
/// the next revision. Unless a <see cref="CounterBug"/> is planted, every history it records must pass the checker.
/// </summary>
internal static class CounterSimulation
{
    private const string Key = "counter";
    private const int MaxLatency = 20;

    /// <param name="recordRevisions">
    /// Whether acknowledged writes record the revision they were given; when not, the checker learns it from the
    /// reads that saw it (as the nemesis runs record them).
    /// </param>
    public static IReadOnlyList<Operation> Run(int seed, int clients, int increments, CounterBug bug, bool recordRevisions, double unknownRate = 0.05)
    {
        var random = new Random(seed);
        long now = 0;
        var history = new History(() => now);
        var agenda = new PriorityQueue<Action, (long Time, long Sequence)>();
        long sequence = 0;
        int attempts = 0;
        bool planted = false;

        // The store: the counter (null: absent), its version and mod revision, and the cluster's revision.
        long? value = null;
        long version = 0;
        long modRevision = 0;
        long revision = 0;

        void At(long time, Action action) => agenda.Enqueue(action, (time, sequence++));

        long Write(long newValue)
        {
            revision++;
            value = newValue;
            version++;
            modRevision = revision;
            return revision;
        }

        void Increment(int client)
        {
            if (attempts == increments)
            {
                return;
            }

            attempts++;
            int get = history.Invoke(client, OpKind.Get, Key, null);
            KeyRead? read = null;
            At(now + random.Next(1, MaxLatency), () => read = new KeyRead(value?.ToString(CultureInfo.InvariantCulture), version, modRevision));
            At(now + MaxLatency + random.Next(1, MaxLatency), () =>
            {
                history.CompleteRead(get, read!);
                long next = (read!.Value is null ? 0 : long.Parse(read.Value, CultureInfo.InvariantCulture)) + 1;
                var guard = random.Next(2) == 0 ? new Guard { IfModRevision = read.ModRevision } : new Guard { IfVersion = read.Version };
                int cas = history.Invoke(client, OpKind.Set, Key, next.ToString(CultureInfo.InvariantCulture), guard);
                bool unknown = random.NextDouble() < unknownRate;
                OpOutcome outcome = OpOutcome.Unknown;
                long written = 0;
                KeyRead? seen = null;
                At(now + random.Next(1, MaxLatency), () =>
                {
                    bool holds = guard.IfModRevision is { } r ? r == modRevision : guard.IfVersion == version;
                    if (!holds && bug == CounterBug.LostUpdate && !planted)
                    {
                        planted = true;
                        holds = true;
                    }

                    if (unknown && random.Next(2) == 0)
                    {
                        return; // lost on the way: never applied
                    }

                    if (holds)
                    {
                        written = Write(next);
                        outcome = OpOutcome.Ok;
                        if (bug == CounterBug.AppliedTwice && !planted && !unknown)
                        {
                            planted = true;
                            At(now + random.Next(1, MaxLatency), () => Write(next));
                        }
                    }
                    else
                    {
                        outcome = OpOutcome.ConditionFailed;
                        seen = new KeyRead(value?.ToString(CultureInfo.InvariantCulture), version, modRevision);
                    }
                });
                At(now + MaxLatency + random.Next(1, MaxLatency), () =>
                {
                    if (unknown)
                    {
                        history.Complete(cas, OpOutcome.Unknown);
                    }
                    else if (outcome == OpOutcome.Ok && recordRevisions)
                    {
                        history.CompleteWrite(cas, written);
                    }
                    else if (outcome == OpOutcome.Ok)
                    {
                        history.Complete(cas, OpOutcome.Ok);
                    }
                    else
                    {
                        history.CompleteConditionFailed(cas, random.Next(2) == 0 ? seen : null);
                    }

                    At(now + random.Next(1, 5), () => Increment(client));
                });
            });
        }

        for (int client = 0; client < clients; client++)
        {
            int c = client;
            At(random.Next(0, 5), () => Increment(c));
        }

        while (agenda.TryDequeue(out var action, out var when))
        {
            now = when.Time;
            action();
        }

        // A final read after everything, as the nemesis runs end.
        int last = history.Invoke(clients, OpKind.Get, Key, null);
        history.CompleteRead(last, new KeyRead(value?.ToString(CultureInfo.InvariantCulture), version, modRevision));
        return history.Operations;
    }
}
