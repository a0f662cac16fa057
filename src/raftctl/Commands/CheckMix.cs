namespace RaftKv.Ctl.Commands;

/// <summary>The operations <c>raftctl check</c> can mix (<c>--ops</c>), and how often each is drawn.</summary>
internal static class CheckMix
{
    public const string Set = "set";
    public const string Get = "get";
    public const string Delete = "delete";
    public const string Cas = "cas";
    public const string Txn = "txn";

    public static IReadOnlyList<string> All { get; } = [Set, Get, Delete, Cas, Txn];

    /// <summary>Relative weight: set 3, get 4, delete 2, cas 2, txn 1.</summary>
    public static int Weight(string op) => op switch
    {
        Set => 3,
        Get => 4,
        Delete => 2,
        Cas => 2,
        _ => 1,
    };

    /// <exception cref="UsageException">An unknown or repeated name, or none at all.</exception>
    public static IReadOnlyList<string> Parse(string list)
    {
        var names = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0) throw new UsageException($"--ops needs at least one of {string.Join(", ", All)}");
        foreach (var name in names)
        {
            if (!All.Contains(name, StringComparer.Ordinal))
                throw new UsageException($"--ops: unknown operation '{name}'; choose from {string.Join(", ", All)}");
        }
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length) throw new UsageException("--ops: an operation is named twice");
        return names;
    }
}
