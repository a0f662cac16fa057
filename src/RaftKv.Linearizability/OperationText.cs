using System.Globalization;

namespace RaftKv.Linearizability;

/// <summary>How operations and register values are written in counterexamples: one short line each.</summary>
internal static class OperationText
{
    public static string Describe(Operation op) =>
        op.Kind == OpKind.Txn ? DescribeWithoutKey(op) : $"key \"{op.Key}\": {DescribeWithoutKey(op)}";

    public static string DescribeWithoutKey(Operation op)
    {
        string action = op.Kind switch
        {
            OpKind.Set => $"set {op.Value}",
            OpKind.Delete => "delete",
            OpKind.Txn => Txn(op),
            _ when op.Outcome == OpOutcome.Ok => $"get -> {Read(op.Seen ?? new KeyRead(op.Value))}",
            _ => "get",
        };
        if (op.Guard is { } guard)
        {
            action += $" {guard}";
        }

        if (op.Revision is { } revision)
        {
            action += $" (revision {revision.ToString(CultureInfo.InvariantCulture)})";
        }

        string interval = op.Outcome switch
        {
            OpOutcome.Unknown => $"[{Time(op.Start)}, ?] outcome unknown",
            OpOutcome.Failed => $"[{Time(op.Start)}, {Time(op.End)}] failed",
            OpOutcome.ConditionFailed => $"[{Time(op.Start)}, {Time(op.End)}] condition failed" + (op.Seen is { } seen ? $", key was {Read(seen)}" : string.Empty),
            _ => $"[{Time(op.Start)}, {Time(op.End)}]",
        };
        return $"client {op.Client.ToString(CultureInfo.InvariantCulture)} {action} {interval}";
    }

    /// <summary>What a Get returned: a JSON value, or nothing.</summary>
    public static string ReadValue(string? value) => value ?? "(not found)";

    /// <summary>What the register holds: a JSON value, or nothing.</summary>
    public static string State(string? value) => value ?? "(absent)";

    public static string Time(long time) => time.ToString(CultureInfo.InvariantCulture);

    /// <summary>A key as read: its value, and the revisions when they were recorded.</summary>
    public static string Read(KeyRead read)
    {
        var extra = new List<string>();
        if (read.Version is { } version)
        {
            extra.Add($"version {version.ToString(CultureInfo.InvariantCulture)}");
        }

        if (read.ModRevision is { } revision)
        {
            extra.Add($"modRevision {revision.ToString(CultureInfo.InvariantCulture)}");
        }

        return ReadValue(read.Value) + (extra.Count > 0 ? $" ({string.Join(", ", extra)})" : string.Empty);
    }

    private static string Txn(Operation op)
    {
        var txn = op.Txn!;
        string compares = string.Join(" and ", txn.Compare.Select(Compare));
        string Steps(IReadOnlyList<TxnStep> steps) => steps.Count == 0 ? "nothing" : string.Join(", ", steps.Select(Step));
        string text = $"txn if [{compares}] then [{Steps(txn.Success)}] else [{Steps(txn.Failure)}]";
        if (op.Outcome == OpOutcome.Ok && op.Succeeded is { } succeeded)
        {
            text += succeeded ? " -> then" : " -> else";
            if (op.Reads is { Count: > 0 } reads)
            {
                text += $", read {string.Join(", ", reads.Select(Read))}";
            }
        }

        return text;
    }

    private static string Compare(TxnCompare c)
    {
        string op = c.Op switch { CompareOp.Equal => "=", CompareOp.NotEqual => "!=", CompareOp.Less => "<", _ => ">" };
        string target = c.Target switch { CompareTarget.Value => "value", CompareTarget.Version => "version", _ => "modRevision" };
        string operand = c.Target == CompareTarget.Value ? c.Value! : c.Number.ToString(CultureInfo.InvariantCulture);
        return $"\"{c.Key}\" {target} {op} {operand}";
    }

    private static string Step(TxnStep s) => s.Kind switch
    {
        OpKind.Set => $"set \"{s.Key}\" {s.Value}",
        OpKind.Delete => $"delete \"{s.Key}\"",
        _ => $"get \"{s.Key}\"",
    };
}
