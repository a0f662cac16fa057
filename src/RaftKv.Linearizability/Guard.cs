namespace RaftKv.Linearizability;

/// <summary>
/// The condition of a guarded set or delete (compare-and-set), as in docs/PROTOCOL.md "Guarded writes":
/// <see cref="IfAbsent"/> alone, or any of the others, all of which must hold. A missing key has version 0 and
/// mod revision 0 and no value.
/// </summary>
public sealed record Guard
{
    /// <summary>Only if the key does not exist.</summary>
    public bool IfAbsent { get; init; }

    /// <summary>Only if the key's version (writes since it was created) is this; 0 means absent.</summary>
    public long? IfVersion { get; init; }

    /// <summary>Only if the key's latest write had this revision; 0 means absent.</summary>
    public long? IfModRevision { get; init; }

    /// <summary>Only if the key exists with this value (canonical JSON text, compared as text).</summary>
    public string? IfValue { get; init; }

    public override string ToString()
    {
        if (IfAbsent)
        {
            return "if absent";
        }

        var parts = new List<string>();
        if (IfVersion is { } version)
        {
            parts.Add($"version = {version}");
        }

        if (IfModRevision is { } revision)
        {
            parts.Add($"modRevision = {revision}");
        }

        if (IfValue is { } value)
        {
            parts.Add($"value = {value}");
        }

        return "if " + string.Join(" and ", parts);
    }
}
