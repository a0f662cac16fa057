using RaftKv.Linearizability;

namespace RaftKv.Linearizability.Tests.Support;

/// <summary>Short constructors for hand-written histories: values are JSON texts, times are small integers.</summary>
internal static class Ops
{
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(30);

    public static Operation Set(int client, string value, long start, long end, string key = "x") =>
        new(client, OpKind.Set, key, value, start, end, OpOutcome.Ok);

    public static Operation Get(int client, string? value, long start, long end, string key = "x") =>
        new(client, OpKind.Get, key, value, start, end, OpOutcome.Ok);

    public static Operation Delete(int client, long start, long end, string key = "x") =>
        new(client, OpKind.Delete, key, null, start, end, OpOutcome.Ok);

    /// <summary>A Set whose client gave up at <paramref name="gaveUp"/> without an answer.</summary>
    public static Operation UnknownSet(int client, string value, long start, long gaveUp, string key = "x") =>
        new(client, OpKind.Set, key, value, start, gaveUp, OpOutcome.Unknown);

    /// <summary>A guarded set acknowledged at <paramref name="revision"/>.</summary>
    public static Operation Cas(int client, string value, Guard guard, long start, long end, long revision, string key = "x") =>
        new(client, OpKind.Set, key, value, start, end, OpOutcome.Ok) { Guard = guard, Revision = revision };

    /// <summary>A guarded set answered "condition failed", showing the key as <paramref name="seen"/> (null: not shown).</summary>
    public static Operation CasFailed(int client, string value, Guard guard, long start, long end, KeyRead? seen, string key = "x") =>
        new(client, OpKind.Set, key, value, start, end, OpOutcome.ConditionFailed) { Guard = guard, Seen = seen };

    /// <summary>A guarded set whose client gave up without an answer.</summary>
    public static Operation UnknownCas(int client, string value, Guard guard, long start, string key = "x") =>
        new(client, OpKind.Set, key, value, start, start, OpOutcome.Unknown) { Guard = guard };

    /// <summary>An unconditional set acknowledged at <paramref name="revision"/>.</summary>
    public static Operation SetAt(int client, string value, long start, long end, long revision, string key = "x") =>
        new(client, OpKind.Set, key, value, start, end, OpOutcome.Ok) { Revision = revision };

    /// <summary>A get that read the value with its version and mod revision.</summary>
    public static Operation Read(int client, string? value, long version, long modRevision, long start, long end, string key = "x") =>
        new(client, OpKind.Get, key, value, start, end, OpOutcome.Ok) { Seen = new KeyRead(value, version, modRevision) };

    public static Guard IfModRevision(long revision) => new() { IfModRevision = revision };

    public static Guard IfVersion(long version) => new() { IfVersion = version };

    public static Guard IfValue(string value) => new() { IfValue = value };

    public static Guard IfAbsent { get; } = new() { IfAbsent = true };

    /// <summary>An acknowledged transaction: which branch ran and what its gets read.</summary>
    public static Operation Txn(int client, TxnRequest txn, bool succeeded, long start, long end, params KeyRead[] reads) =>
        new(client, OpKind.Txn, string.Empty, null, start, end, OpOutcome.Ok) { Txn = txn, Succeeded = succeeded, Reads = reads };

    public static TxnRequest TxnOf(TxnCompare[] compare, TxnStep[] success, TxnStep[]? failure = null) => new(compare, success, failure ?? []);

    public static TxnStep TxnSet(string key, string value) => new(OpKind.Set, key, value);

    public static TxnStep TxnGet(string key) => new(OpKind.Get, key);

    public static TxnStep TxnDelete(string key) => new(OpKind.Delete, key);

    public static CheckResult Check(params Operation[] history) => LinearizabilityChecker.Check(history, CheckTimeout);
}
