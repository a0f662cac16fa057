using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftKv.Protocol;

/// <summary>
/// One change seen by a watch. <see cref="Type"/> is "put" or "delete"; a delete has no value and version 0.
/// Events of one transaction share a <see cref="ModRevision"/> and come in the order the transaction applied them.
/// </summary>
public sealed record WatchEvent
{
    public required string Type { get; init; }
    public required string Key { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(PresentJsonValueConverter))]
    public JsonElement? Value { get; init; }

    public long ModRevision { get; init; }
    public long Version { get; init; }

    public const string Put = "put";
    public const string Delete = "delete";
}
