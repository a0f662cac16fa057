using RaftKv.Linearizability;
using static RaftKv.Linearizability.Tests.Support.Ops;

namespace RaftKv.Linearizability.Tests;

public sealed class HistoryRecorderTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("raftkv-lincheck-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Recorded_operation_carries_its_start_end_outcome_and_read_value()
    {
        long now = 0;
        var history = new History(() => now);

        now = 10;
        int set = history.Invoke(1, OpKind.Set, "x", "\"v\"");
        now = 15;
        int get = history.Invoke(2, OpKind.Get, "x", null);
        now = 20;
        history.Complete(set, OpOutcome.Ok);
        now = 25;
        history.Complete(get, OpOutcome.Ok, "\"v\"");

        history.Operations.Should().Equal(
            new Operation(1, OpKind.Set, "x", "\"v\"", 10, 20, OpOutcome.Ok),
            new Operation(2, OpKind.Get, "x", "\"v\"", 15, 25, OpOutcome.Ok));
    }

    [Fact]
    public void Operation_never_completed_counts_as_unknown()
    {
        var history = new History();
        history.Invoke(1, OpKind.Delete, "x", null);

        history.Operations.Should().ContainSingle().Which.Outcome.Should().Be(OpOutcome.Unknown);
    }

    [Fact]
    public void Completing_an_operation_twice_is_rejected_and_changes_nothing()
    {
        var history = new History();
        int handle = history.Invoke(1, OpKind.Get, "x", null);
        history.Complete(handle, OpOutcome.Ok, "1");
        var before = history.Operations;

        var act = () => history.Complete(handle, OpOutcome.Ok, "2");

        act.Should().Throw<InvalidOperationException>().WithMessage("*already completed*");
        history.Operations.Should().Equal(before);
    }

    [Fact]
    public void Read_value_for_anything_but_an_acknowledged_get_is_rejected_and_changes_nothing()
    {
        var history = new History();
        int set = history.Invoke(1, OpKind.Set, "x", "1");
        int get = history.Invoke(2, OpKind.Get, "x", null);

        var onSet = () => history.Complete(set, OpOutcome.Ok, "1");
        var onFailedGet = () => history.Complete(get, OpOutcome.Failed, "1");

        onSet.Should().Throw<ArgumentException>();
        onFailedGet.Should().Throw<ArgumentException>();
        history.Operations.Should().OnlyContain(o => o.Outcome == OpOutcome.Unknown);
    }

    [Fact]
    public void Invoking_a_set_without_a_value_or_a_get_with_one_is_rejected()
    {
        var history = new History();

        var set = () => history.Invoke(1, OpKind.Set, "x", null);
        var get = () => history.Invoke(1, OpKind.Get, "x", "1");
        var unknownHandle = () => history.Complete(0, OpOutcome.Ok);

        set.Should().Throw<ArgumentException>();
        get.Should().Throw<ArgumentException>();
        unknownHandle.Should().Throw<ArgumentOutOfRangeException>();
        history.Operations.Should().BeEmpty();
    }

    [Fact]
    public void Timestamps_are_strictly_increasing_across_threads()
    {
        var history = new History();
        var stamps = new long[4][];

        Parallel.For(0, stamps.Length, t => stamps[t] = [.. Enumerable.Range(0, 10_000).Select(_ => history.Now())]);

        stamps.Should().OnlyContain(s => s.Zip(s.Skip(1)).All(p => p.First < p.Second));
        stamps.SelectMany(s => s).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void History_recorded_by_threads_sharing_a_locked_dictionary_is_linearizable()
    {
        var history = new History();
        var store = new Dictionary<string, string>(StringComparer.Ordinal);
        var storeLock = new Lock();

        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, client =>
        {
            var random = new Random(client);
            for (int i = 0; i < 300; i++)
            {
                string key = $"k{random.Next(3)}";
                switch (random.Next(3))
                {
                    case 0:
                        string value = $"\"{client}-{i}\"";
                        int set = history.Invoke(client, OpKind.Set, key, value);
                        lock (storeLock)
                        {
                            store[key] = value;
                        }

                        history.Complete(set, OpOutcome.Ok);
                        break;
                    case 1:
                        int get = history.Invoke(client, OpKind.Get, key, null);
                        string? read;
                        lock (storeLock)
                        {
                            read = store.GetValueOrDefault(key);
                        }

                        history.Complete(get, OpOutcome.Ok, read);
                        break;
                    default:
                        int delete = history.Invoke(client, OpKind.Delete, key, null);
                        lock (storeLock)
                        {
                            store.Remove(key);
                        }

                        history.Complete(delete, OpOutcome.Ok);
                        break;
                }
            }
        });

        var result = LinearizabilityChecker.Check(history.Operations, CheckTimeout);

        result.OperationsChecked.Should().Be(1200);
        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Json_lines_round_trip_preserves_every_operation()
    {
        long now = 0;
        var history = new History(() => ++now);
        history.Complete(history.Invoke(1, OpKind.Set, "a \"quoted\" key", "{\"s\":\"é\\n\",\"n\":[1,2.5,null]}"), OpOutcome.Ok);
        history.Complete(history.Invoke(2, OpKind.Set, "k", "null"), OpOutcome.Failed);
        history.Complete(history.Invoke(3, OpKind.Get, "k", null), OpOutcome.Ok, "null");
        history.Complete(history.Invoke(3, OpKind.Get, "k", null), OpOutcome.Ok);
        history.Complete(history.Invoke(4, OpKind.Delete, "k", null), OpOutcome.Unknown);
        history.Invoke(5, OpKind.Set, "k", "true");
        string path = Path.Combine(directory, "history.jsonl");

        history.SaveJsonLines(path);
        var loaded = History.LoadJsonLines(path);

        loaded.Should().Equal(history.Operations);
        File.ReadAllLines(path).Should().HaveCount(6);
    }

    [Fact]
    public void Loading_a_malformed_line_names_the_file_and_the_line()
    {
        string path = Path.Combine(directory, "bad.jsonl");
        File.WriteAllLines(path,
        [
            "{\"client\":1,\"kind\":\"Set\",\"key\":\"x\",\"value\":\"1\",\"start\":0,\"end\":1,\"outcome\":\"Ok\"}",
            string.Empty,
            "{\"client\":1,\"kind\":\"Set\",\"key\":\"x\",\"start\":0,\"end\":1,\"outcome\":\"Ok\"}",
        ]);

        var act = () => History.LoadJsonLines(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"{path}:3: *");
    }

    [Fact]
    public void Loading_a_line_that_is_not_json_names_the_line()
    {
        string path = Path.Combine(directory, "garbage.jsonl");
        File.WriteAllText(path, "not json\n");

        var act = () => History.LoadJsonLines(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"{path}:1: not an operation*");
    }
}
