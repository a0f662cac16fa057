namespace RaftKv.Linearizability;

/// <summary>
/// Rejects operations that cannot describe anything a client saw, so that a malformed history is reported
/// as such instead of being "explained" or "refuted" by the checker.
/// </summary>
internal static class OperationValidator
{
    /// <returns>Null when the operation is well formed, otherwise what is wrong with it.</returns>
    public static string? Problem(Operation? op)
    {
        if (op is null)
        {
            return "the operation is null";
        }

        if (op.Key is null)
        {
            return "the key is null";
        }

        if (!Enum.IsDefined(op.Kind))
        {
            return $"unknown kind {(int)op.Kind}";
        }

        if (!Enum.IsDefined(op.Outcome))
        {
            return $"unknown outcome {(int)op.Outcome}";
        }

        if (op.Kind == OpKind.Set && op.Value is null)
        {
            return "a Set must carry the value written (JSON text; the JSON null is the text \"null\")";
        }

        if (op.Kind == OpKind.Delete && op.Value is not null)
        {
            return "a Delete carries no value";
        }

        // The end of an Unknown operation is when the client gave up, which bounds nothing.
        if (op.Outcome != OpOutcome.Unknown && op.End < op.Start)
        {
            return $"it ends ({op.End}) before it starts ({op.Start})";
        }

        return null;
    }
}
