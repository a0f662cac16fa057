using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftKv.Protocol;

/// <summary>
/// One key as stored: its value and its revisions. Revisions are log indexes: <see cref="CreateRevision"/>
/// is the revision of the write that created the key (since it last did not exist), <see cref="ModRevision"/>
/// the revision of its latest write, and <see cref="Version"/> counts the writes since it was created (1 after the first set).
/// </summary>
public sealed record KeyValue
{
    public required string Key { get; init; }

    /// <summary>The value as written; left out when the read asked for keys only.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(PresentJsonValueConverter))]
    public JsonElement? Value { get; init; }

    public long CreateRevision { get; init; }
    public long ModRevision { get; init; }
    public long Version { get; init; }

    /// <summary>The lease the key is attached to; 0 (and left out) when none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Lease { get; init; }
}
