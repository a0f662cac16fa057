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

    public static CheckResult Check(params Operation[] history) => LinearizabilityChecker.Check(history, CheckTimeout);
}
