using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftKv.StateMachine;

/// <summary>
/// One write to the key-value store, as carried in a Raft log entry (see <see cref="KvCommandCodec"/>).
/// <see cref="ClientId"/> and <see cref="Seq"/> identify the client request, so a retried request that
/// was already applied is answered from the remembered result instead of being applied twice.
/// </summary>
public sealed record KvCommand
{
    public KvOp Op { get; init; }

    /// <summary>A non-empty string.</summary>
    public required string Key { get; init; }

    /// <summary>
    /// Set: the JSON value to store, kept as written (null means the JSON value <c>null</c>).
    /// Delete: must be null.
    /// </summary>
    [JsonConverter(typeof(RawJsonValueConverter))]
    public JsonElement? Value { get; init; }

    /// <summary>The client that sent the request, or null for a write outside any client session.</summary>
    public string? ClientId { get; init; }

    /// <summary>The client's request number (0 or more; only meaningful with <see cref="ClientId"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Seq { get; init; }
}
