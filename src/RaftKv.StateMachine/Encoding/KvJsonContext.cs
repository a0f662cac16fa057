using System.Text.Json.Serialization;

namespace RaftKv.StateMachine;

/// <summary>
/// Source-generated JSON for <see cref="KvCommand"/>: camelCase names, enums as strings, nulls left
/// out, no indentation. Only <see cref="KvCommandCodec.Encode"/> writes with it; reading goes through
/// <see cref="KvCommandParser"/> so that the leader's check and every node's apply accept exactly the same bytes.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(KvCommand))]
internal sealed partial class KvJsonContext : JsonSerializerContext;
