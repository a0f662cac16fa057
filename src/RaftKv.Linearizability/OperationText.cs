using System.Globalization;

namespace RaftKv.Linearizability;

/// <summary>How operations and register values are written in counterexamples: one short line each.</summary>
internal static class OperationText
{
    public static string Describe(Operation op) => $"key \"{op.Key}\": {DescribeWithoutKey(op)}";

    public static string DescribeWithoutKey(Operation op)
    {
        string action = op.Kind switch
        {
            OpKind.Set => $"set {op.Value}",
            OpKind.Delete => "delete",
            _ when op.Outcome == OpOutcome.Ok => $"get -> {ReadValue(op.Value)}",
            _ => "get",
        };
        string interval = op.Outcome == OpOutcome.Unknown
            ? $"[{Time(op.Start)}, ?] outcome unknown"
            : $"[{Time(op.Start)}, {Time(op.End)}]" + (op.Outcome == OpOutcome.Failed ? " failed" : string.Empty);
        return $"client {op.Client.ToString(CultureInfo.InvariantCulture)} {action} {interval}";
    }

    /// <summary>What a Get returned: a JSON value, or nothing.</summary>
    public static string ReadValue(string? value) => value ?? "(not found)";

    /// <summary>What the register holds: a JSON value, or nothing.</summary>
    public static string State(string? value) => value ?? "(absent)";

    public static string Time(long time) => time.ToString(CultureInfo.InvariantCulture);
}
